from .context import request_ip


def client_ip(request) -> str | None:
    # Behind a proxy the deployment sets the real address; we never trust X-Forwarded-For blindly.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)
