"""Tables of the care-service domain (SQLAlchemy 2 declarative).

Money is kept in fen (1/100 yuan) as integers. Times are timezone-aware UTC in the database;
the service's local dates (order dates, slot dates) are plain dates in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from care import codes


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database (SQLite stores no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "regions"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = (UniqueConstraint("region_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    region: Mapped[Region] = relationship(lazy="joined")


class Station(Base):
    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    address: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    region: Mapped[Region] = relationship(lazy="joined")


class StationCommunity(Base):
    """A station serves a community for one kind of service."""

    __tablename__ = "station_communities"
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)


class Service(Base):
    """One bookable item of the catalog: 助餐, 助浴, or one kind of home visit."""

    __tablename__ = "services"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    visit_kind: Mapped[str | None] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    unit: Mapped[str] = mapped_column(String(10))
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    prices_fen: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    """What the elder pays per unit by economic category; categories not listed pay the unit price."""
    max_quantity: Mapped[int] = mapped_column(Integer, default=1)


class StationService(Base):
    __tablename__ = "station_services"
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"), primary_key=True)


class CapacityTemplate(Base):
    """Weekly capacity of a station: per kind, weekday (0 = Monday) and window."""

    __tablename__ = "capacity_templates"
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer, primary_key=True)
    window: Mapped[str] = mapped_column(String(20), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)


class Slot(Base):
    """Capacity of one station, kind, date and window; ``taken`` never exceeds ``capacity``."""

    __tablename__ = "slots"
    __table_args__ = (UniqueConstraint("station_id", "kind", "date", "window"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    kind: Mapped[str] = mapped_column(String(20))
    date: Mapped[date] = mapped_column(Date)
    window: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[int] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, default=0)


class Elder(Base):
    __tablename__ = "elders"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    alt_phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    birth_date: Mapped[date | None] = mapped_column(Date)
    living: Mapped[str | None] = mapped_column(String(20))
    economic: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(20))
    urban: Mapped[bool | None] = mapped_column(Boolean)
    special_family: Mapped[bool | None] = mapped_column(Boolean)
    priority_care: Mapped[bool | None] = mapped_column(Boolean)
    diet: Mapped[str | None] = mapped_column(String(100))
    community: Mapped[Community] = relationship(lazy="joined")


class FamilyMember(Base):
    __tablename__ = "family_members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    """Unknown for someone who only ever linked through Telegram."""
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)


class FamilyLink(Base):
    __tablename__ = "family_links"
    family_id: Mapped[int] = mapped_column(ForeignKey("family_members.id"), primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    elder: Mapped[Elder] = relationship(lazy="joined")


class LinkCode(Base):
    """A one-time code staff give a family member to link their account to an elder."""

    __tablename__ = "link_codes"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"))
    relation: Mapped[str] = mapped_column(String(20))
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("family_members.id"))


class Staff(Base):
    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ApiToken(Base):
    """A provider system's token for the JSON API, bound to one station."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_queue", "station_id", "date", "window_rank", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int] = mapped_column(ForeignKey("elders.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"))
    service_code: Mapped[str] = mapped_column(ForeignKey("services.code"))
    kind: Mapped[str] = mapped_column(String(20))
    visit_kind: Mapped[str | None] = mapped_column(String(20))
    date: Mapped[date] = mapped_column(Date)
    window: Mapped[str] = mapped_column(String(20))
    window_rank: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    diet: Mapped[str | None] = mapped_column(String(100))
    notes: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    subsidy_fen: Mapped[int] = mapped_column(Integer)
    amount_due_fen: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(20))
    placed_by: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    elder: Mapped[Elder] = relationship(lazy="joined")
    station: Mapped[Station] = relationship(lazy="joined")

    @property
    def code(self) -> str:
        """The short code people read and say (see ``care.codes``)."""
        return codes.encode(self.id)


# One open order per elder, service (and kind of visit), day and window — enforced by the database too,
# so two channels booking the same lunch at the same moment cannot both succeed.
OPEN_STATUSES_SQL = "status IN ('pending', 'accepted', 'in_progress')"
Index("uq_orders_open_window", Order.elder_id, Order.kind, Order.date, Order.window,
      func.coalesce(Order.visit_kind, ""), unique=True,
      sqlite_where=text(OPEN_STATUSES_SQL), postgresql_where=text(OPEN_STATUSES_SQL))


class OrderEvent(Base):
    """The audit trail: every status change of an order, who made it and why."""

    __tablename__ = "order_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)


class Outbox(Base):
    """A notification waiting for delivery (station, family member, elder or webhook)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "delivered_at", "dead", "available_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    recipient_type: Mapped[str] = mapped_column(String(20))
    recipient_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dead: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)


class Conversation(Base):
    """Dialogue state of one person on one channel; it survives restarts and expires when idle."""

    __tablename__ = "conversations"
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    user_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Handoff(Base):
    """A request to talk to a person, waiting in the hand-off queue of the staff console."""

    __tablename__ = "handoffs"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    user_key: Mapped[str] = mapped_column(String(120))
    elder_id: Mapped[int | None] = mapped_column(ForeignKey("elders.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family_members.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    """``asked`` (the person asked), ``fallback`` (not understood twice), ``emergency``, ``complaint``."""
    summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    elder: Mapped[Elder | None] = relationship(lazy="joined")


class Complaint(Base):
    __tablename__ = "complaints"
    id: Mapped[int] = mapped_column(primary_key=True)
    elder_id: Mapped[int | None] = mapped_column(ForeignKey("elders.id"))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family_members.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open")


class ProcessedUpdate(Base):
    """Ids of inbound updates already handled (Telegram update ids, webhook deliveries): handled once."""

    __tablename__ = "processed_updates"
    source: Mapped[str] = mapped_column(String(20), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
