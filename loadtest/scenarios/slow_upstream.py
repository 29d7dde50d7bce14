"""An HTTP upstream that answers every GET after a delay (default 2 s).

    python3 loadtest/scenarios/slow_upstream.py PORT [DELAY_SECONDS]
"""
import http.server
import socketserver
import sys
import time

DELAY = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0


class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        time.sleep(DELAY)
        body = b'{"slow":true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


Server(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
