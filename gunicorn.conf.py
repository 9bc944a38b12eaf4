"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Every worker is stateless (sessions live in signed cookies, rate limits in Redis when
REDIS_URL is set), so more load means more workers or more machines on one PostgreSQL.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
# Connections a worker holds at once (gunicorn's default is 1000). A gthread worker accepts
# whenever it is under this, so keep-alive connections pile up on whichever worker's loop
# was free when they opened: in bench/load.py one of 4 workers held 33-43 of 60 citizens'
# connections, and their requests queued behind its 2 threads (p95 394-468 ms). At 20 a
# worker keeps at most 18 idle keep-alive connections (20 less its threads) and closes the
# next after its answer, so the client comes back through whichever worker accepts: p95
# 283-320 ms, citizens per second unchanged (bench/load.py, PostgreSQL). A connection over
# the cap waits in the listen backlog for one answer, never for the keep-alive timeout.
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "20"))
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 20000  # recycle workers now and then, jittered so they do not restart together
max_requests_jitter = 2000
# One log line per request: the app's own (survey.core.operations: route pattern, method,
# status, ms; never a path that could carry a token). gunicorn's access log would be a
# second line per request; ACCESS_LOG=1 turns it on (method, status, bytes, ms only).
accesslog = "-" if os.environ.get("ACCESS_LOG", "0") == "1" else None
access_log_format = '{"method": "%(m)s", "status": %(s)s, "bytes": %(B)s, "ms": %(M)s}'
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
preload_app = False
