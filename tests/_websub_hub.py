"""A real WebSub hub for the tests, run as its own process: ``python _websub_hub.py DATABASE [PORT]``.

flask-websub's hub, with Celery running each task at once in the request that asks for it (no
broker, no worker): a subscription is verified before its request is answered, and a publish
ping has fetched the feed and delivered it to every subscriber before it is answered. It listens
on 127.0.0.1 at PORT, else at a free port, which it prints on its first line, and serves until it
is stopped.
"""

from __future__ import annotations

import sys
import warnings

from celery import Celery
from flask import Flask
from werkzeug.serving import make_server

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # its own imports' deprecations are not the test's concern
    from flask_websub.hub import Hub, SQLite3HubStorage


def main(database: str, port: int) -> None:
    app = Flask("hub")
    app.config["PUBLISH_SUPPORTED"] = True
    celery = Celery("hub", broker="memory://")
    celery.conf.task_always_eager = True
    hub = Hub(SQLite3HubStorage(database), celery, PUBLISH_SUPPORTED=True, MAX_ATTEMPTS=1)
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
