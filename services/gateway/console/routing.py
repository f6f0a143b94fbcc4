"""Route class of the console: turns 'not signed in', 'bad CSRF token' and API problems into pages, not JSON."""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from services.gateway.console.api import ApiError
from services.gateway.console.session import CsrfRejected, NotSignedIn, WrongRole, end_session
from services.gateway.console.templating import render

LOGIN_PATH = "/console/login"


def safe_next(path: str | None) -> str:
    """Only console paths are followed after sign-in (no open redirect)."""
    if path and path.startswith("/console") and not path.startswith("//") and "\\" not in path:
        return path
    return "/console/demands"


class ConsoleRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except NotSignedIn as exc:
                target = request.url.path if request.method == "GET" else None
                url = f"{LOGIN_PATH}?next={quote(safe_next(target))}"
                if exc.reason:
                    url += f"&reason={quote(exc.reason)}"
                response = RedirectResponse(url, status_code=303)
                end_session(response)
                return response
            except WrongRole as exc:
                return render(request, "error.html", status_code=403, home=exc.home,
                              message="企业密钥可使用交易大厅、技术评价、推广目录、揭榜挂帅、融资与侵权记录页面，评价机构的密钥可使用"
                                      "技术评价、推广目录和揭榜挂帅页面，执法/司法机关密钥可使用侵权记录页面；需求、撮合与交易页面仅供技术经纪人和平台管理员使用。")
            except CsrfRejected:
                return render(request, "error.html", status_code=403,
                              message="表单已过期或不是从本控制台提交的（CSRF 校验失败）。请返回页面刷新后重试。")
            except ApiError as exc:
                if exc.status == 401:
                    response = RedirectResponse(f"{LOGIN_PATH}?reason={quote(exc.message)}", status_code=303)
                    end_session(response)
                    return response
                return render(request, "error.html", status_code=exc.status, message=exc.message, problem=exc.problem)

        return console_handler
