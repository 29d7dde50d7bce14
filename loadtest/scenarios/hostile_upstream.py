"""An HTTP upstream that answers every request with a chunked response whose
trailers never end (a hostile upstream for the fetch client).

    python3 loadtest/scenarios/hostile_upstream.py PORT
"""
import socket
import sys
import threading

HEAD = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
TRAILERS = b"X-Trailer: yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\r\n" * 1500


def serve(conn):
    written = None
    try:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        conn.sendall(HEAD)
        written = 0
        while True:
            conn.sendall(TRAILERS)
            written += len(TRAILERS)
    except OSError:
        pass
    finally:
        if written is not None:
            print(f"trailer bytes written before the client closed: {written}", flush=True)
        conn.close()


def main():
    listener = socket.create_server(("127.0.0.1", int(sys.argv[1])))
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
