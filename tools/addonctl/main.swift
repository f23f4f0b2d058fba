print("addonctl")
