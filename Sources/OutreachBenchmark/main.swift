print("outreach benchmark")
