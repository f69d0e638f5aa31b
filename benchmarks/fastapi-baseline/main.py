"""A bare FastAPI hello-world, served like the generated API: one uvicorn process with uvloop
and httptools, no access log. Run with the generated project's virtual environment so both
use the same FastAPI, Starlette and uvicorn versions."""

import os

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/v1/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(os.environ["PORT"]),
        access_log=False,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )
