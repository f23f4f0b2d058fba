"""The peer of figure 2: the same "hello from a plugin route" on FastAPI + uvicorn.

Served by tools/bench/bench.py with uvicorn's fastest stock settings (uvloop, httptools, no access
log): python -m uvicorn fastapi_hello:app --loop uvloop --http httptools --no-access-log
"""
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/api/v1/greet/hello", response_class=PlainTextResponse)
async def hello() -> str:
    return "Hello!"
