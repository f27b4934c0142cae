"""The dashboard: counts and quality only, no personal data, so no policy check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from joinedup.store.users import User
from joinedup.web.deps import HubLike, current_user, get_hub
from joinedup.web.templating import render

router = APIRouter()


@router.get("/")
def dashboard(
    request: Request, hub: HubLike = Depends(get_hub), user: User = Depends(current_user)
) -> Response:
    board = hub.dashboard()
    return render(request, "dashboard.html", {"board": board, "title": "Dashboard"})
