"""Process settings, read from the environment (prefix ``ELDERCARE_``) and flags."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded database and caches live unless told otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "eldercare"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ELDERCARE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    db_url: str | None = None
    """SQLAlchemy async URL; default is the embedded SQLite file in ``data_dir``."""
    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str | None = None
    """Signs session cookies; generated and kept in ``data_dir`` when unset."""
    telegram_token: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: str | None = None
    audiosocket: str | None = None
    """HOST:PORT where Asterisk's AudioSocket connects calls (phone line off when unset)."""
    vosk_model: Path | None = None
    """A vosk model directory (deployment: vosk-model-small-cn-0.22); else looked for in ``data_dir``."""
    phone_max_calls: int = 20
    """Calls the phone line takes at once; more go straight to a person (the dialplan's desk)."""
    phone_barge_in: bool = True
    """The caller's voice stops a prompt; turn off on lines that echo the prompt back."""
    voice_token: str | None = None
    """Bearer token the PBX sends to ``/voice/calls``; when unset only this machine may call it."""
    nlu_backend: str = "builtin"
    rasa_url: str | None = None
    webhooks: str | None = None
    """JSON list of provider webhooks: ``[{"station": code, "url": …, "secret": …}]`` (docs/outbox.md)."""
    log_level: str = "INFO"
    timezone: str = "Asia/Shanghai"

    def database_url(self) -> str:
        if self.db_url:
            return self.db_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{self.data_dir / 'eldercare.db'}"
