"""The studio server: a FastAPI app over the services the composition root builds.

Routes stay thin: they check the session and the project membership (``deps``), parse the body,
call a service and shape the answer. Nothing below this package knows about HTTP.
"""
