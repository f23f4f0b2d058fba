import PluginAPI

/// A valid shared library that exports no Berth entry points.
public func fixtureUnrelatedFunction() -> Int { 42 }
