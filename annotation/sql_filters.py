"""Argilla's search filters, sorts and text queries as SQL clauses over the server's own tables.

Runs inside the Argilla server's virtual environment only (it imports argilla_server), for
sql_engine.py. Each function returns a SQLAlchemy clause on `Record`, correlated to the outer
`SELECT ... FROM records`, with the meaning the Elasticsearch engine gives the same filter
(argilla_server/search_engine/commons.py):

- metadata / suggestion / response values match when the value, or any item of a list value,
  is one of the terms (`json_each` treats a scalar as a one-item list);
- the response-status filter with "pending" matches records the user has not answered
  (no user: records without any response), OR-ed with the other statuses of that user;
- sorting puts records without a value last, whatever the order.

It does not score by relevance: a text query is a list of terms (or "quoted phrases"), each of
which must occur, case-insensitively, in one of the searched fields. SQLite only (json_each,
json_extract, instr): the embedded server's database.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from uuid import UUID

from argilla_server.enums import RecordStatus, ResponseStatus, ResponseStatusFilter, SortOrder
from argilla_server.models import Question, Record, Response, Suggestion
from argilla_server.search_engine import (
    AndFilter,
    MetadataFilterScope,
    RecordFilterScope,
    ResponseFilterScope,
    SuggestionFilterScope,
    TermsFilter,
    TextQuery,
)
from sqlalchemy import and_, exists, false, func, or_, select, true

RECORD_COLUMNS = {
    "id": Record.id,
    "external_id": Record.external_id,
    "inserted_at": Record.inserted_at,
    "updated_at": Record.updated_at,
    "status": Record.status,
}
SUGGESTION_COLUMNS = {"agent": Suggestion.agent, "type": Suggestion.type}


def json_path(*keys: str) -> str:
    return "$" + "".join('."' + key.replace('"', '\\"') + '"' for key in keys)


def _terms(values) -> list:
    """The filter's strings, plus their numbers: a rating of 3 is stored as 3, asked for as "3"."""
    out = list(values)
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            pass
    return out


def any_json_value_in(column, path: str, values) -> object:
    each = func.json_each(column, path).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value.in_(_terms(values))))


def _range(expr, ge, le, convert=lambda v: v):
    clauses = [expr.is_not(None)]
    if ge is not None:
        clauses.append(expr >= convert(ge))
    if le is not None:
        clauses.append(expr <= convert(le))
    return and_(*clauses)


def _as_datetime(value) -> datetime:
    """A range bound for a timestamp: an ISO string, or (as Elasticsearch reads numbers) epoch milliseconds."""
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, tz=timezone.utc).replace(tzinfo=None)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(timezone.utc).replace(tzinfo=None) if parsed.tzinfo else parsed


def _record_values(prop: str, values: list) -> list:
    if prop == "id":
        return [UUID(str(v)) for v in values]
    if prop == "status":
        return [RecordStatus(v) for v in values if v in RecordStatus.__members__]
    return list(values)


def filter_clause(filter) -> object:
    """The WHERE clause on Record for an AndFilter, TermsFilter or RangeFilter of any scope."""
    if isinstance(filter, AndFilter):
        return and_(true(), *(filter_clause(f) for f in filter.filters))
    scope = filter.scope
    if isinstance(scope, ResponseFilterScope):
        return _response_clause(filter)
    if isinstance(scope, MetadataFilterScope):
        if isinstance(filter, TermsFilter):
            return any_json_value_in(
                Record.metadata_, json_path(scope.metadata_property), filter.values
            )
        return _range(
            func.json_extract(Record.metadata_, json_path(scope.metadata_property)),
            filter.ge,
            filter.le,
        )
    if isinstance(scope, RecordFilterScope):
        column = RECORD_COLUMNS[scope.property]
        if isinstance(filter, TermsFilter):
            return column.in_(_record_values(scope.property, filter.values))
        dated = scope.property in ("inserted_at", "updated_at")
        return _range(column, filter.ge, filter.le, _as_datetime if dated else (lambda v: v))
    if isinstance(scope, SuggestionFilterScope):
        return exists(
            _suggestions(scope.question).where(
                _suggestion_clause(filter, scope.property or "value")
            )
        )
    raise ValueError(f"cannot filter on scope {scope}")


def _suggestions(question: str):
    return (
        select(1)
        .select_from(Suggestion)
        .join(Question, Question.id == Suggestion.question_id)
        .where(Suggestion.record_id == Record.id, Question.name == question)
    )


def _suggestion_clause(filter, prop: str):
    if prop in SUGGESTION_COLUMNS:
        column = SUGGESTION_COLUMNS[prop]
        if isinstance(filter, TermsFilter):
            return column.in_(filter.values)
        return _range(column, filter.ge, filter.le)
    column = Suggestion.value if prop == "value" else Suggestion.score
    if isinstance(filter, TermsFilter):
        return any_json_value_in(column, "$", filter.values)
    return _range(func.json_extract(column, "$"), filter.ge, filter.le)


def _user_responses(user):
    clause = Response.record_id == Record.id
    return and_(clause, Response.user_id == user.id) if user is not None else clause


def _response_clause(filter) -> object:
    scope: ResponseFilterScope = filter.scope
    if scope.question:
        path = json_path(scope.question, "value")
        if isinstance(filter, TermsFilter):
            value = any_json_value_in(Response.values, path, filter.values)
        else:
            value = _range(func.json_extract(Response.values, path), filter.ge, filter.le)
        return exists(select(1).select_from(Response).where(_user_responses(scope.user), value))
    if scope.property != "status" or not isinstance(filter, TermsFilter):
        raise ValueError(f"cannot filter on response scope {scope}")
    statuses = [ResponseStatus(v) for v in filter.values if v in ResponseStatus.__members__]
    clauses = []
    if ResponseStatusFilter.pending in filter.values:
        clauses.append(~exists(select(1).select_from(Response).where(_user_responses(scope.user))))
    if statuses:
        clauses.append(
            exists(
                select(1)
                .select_from(Response)
                .where(_user_responses(scope.user), Response.status.in_(statuses))
            )
        )
    return or_(false(), *clauses) if clauses else true()


def text_clause(query: TextQuery | str | None, fields: dict[str, str]) -> object:
    """Every term of the query occurs in one of `fields` ({name: type}; images are not searched)."""
    if query is None:
        return true()
    if isinstance(query, str):
        query = TextQuery(q=query)
    names = (
        [query.field] if query.field else [name for name, kind in fields.items() if kind != "image"]
    )
    texts = [func.lower(func.json_extract(Record.fields, json_path(name))) for name in names]
    terms = [a or b for a, b in re.findall(r'"([^"]+)"|(\S+)', query.q)]
    return and_(
        true(),
        *(or_(false(), *(func.instr(text, term.lower()) > 0 for text in texts)) for term in terms),
    )


def _sort_expression(scope):
    if isinstance(scope, RecordFilterScope):
        return RECORD_COLUMNS[scope.property]
    if isinstance(scope, MetadataFilterScope):
        return func.json_extract(Record.metadata_, json_path(scope.metadata_property))
    if isinstance(scope, SuggestionFilterScope):
        prop = scope.property or "value"
        column = SUGGESTION_COLUMNS.get(prop)
        if column is None:
            column = func.json_extract(
                Suggestion.value if prop == "value" else Suggestion.score, "$"
            )
        return _suggestions(scope.question).with_only_columns(column).limit(1).scalar_subquery()
    if isinstance(scope, ResponseFilterScope):
        if scope.question:
            value = func.avg(func.json_extract(Response.values, json_path(scope.question, "value")))
        else:
            value = func.min(Response.status)
        return select(value).where(_user_responses(scope.user)).scalar_subquery()
    raise ValueError(f"cannot sort on scope {scope}")


def order_by(sort, user_id=None) -> list:
    """ORDER BY terms for a list of Order; records without the value last; then insertion order.

    Unsorted searches of one user (the annotation queue) come in an order of their own, fixed per
    user, as Elasticsearch's per-user random score does, so that annotators start on different
    records: by (the record id's first 32 bits) XOR (the user id's), ids being random UUIDs.
    """
    terms = []
    for order in sort or []:
        expr = _sort_expression(order.scope)
        terms += [expr.is_(None), expr.desc() if order.order == SortOrder.desc else expr.asc()]
    if not terms and user_id is not None:
        terms.append(_xor(_id_bits(), UUID(str(user_id)).int >> 96))
    return terms + [Record.inserted_at.asc(), Record.id.asc()]


def _id_bits():
    """The first 8 hex digits of records.id (stored as 32 lowercase hex digits) as an integer."""
    bits = None
    for j in range(1, 9):
        digit = func.instr("0123456789abcdef", func.substr(Record.id, j, 1)) - 1
        bits = digit if bits is None else bits * 16 + digit
    return bits


def _xor(expr, mask: int):
    return expr.op("|")(mask) - expr.op("&")(mask)
