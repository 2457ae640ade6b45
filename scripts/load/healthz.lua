-- GET /healthz.
wrk.method = "GET"
wrk.path = "/healthz"
