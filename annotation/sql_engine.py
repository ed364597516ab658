"""The `factory-sql` search engine: Argilla's searches answered from the server's own SQL database.

Runs inside the Argilla server's virtual environment only (imports argilla_server); launch.py
imports it so that `ARGILLA_SEARCH_ENGINE=factory-sql` finds it, in the server and in the worker.
Elasticsearch/OpenSearch cannot be installed here, and the records, responses, suggestions,
metadata and vectors are in SQL already: indexing is a no-op, and every answer (record status,
timestamps, responses) is read from the tables at query time.

Implemented: search (text, filters, sort, offset/limit and total, all in SQL; see
sql_filters.py for the exact semantics), similarity_search (cosine over the stored vectors,
most/least similar, threshold, the query record excluded, with filters/text), dataset and
per-user progress, metadata metrics, ping, info. Scores follow Elasticsearch's cosine
`_score` = (1 + cos) / 2 (least similar: (1 - cos) / 2).

Not done: relevance ranking (unsorted results come in insertion order; an annotator's unsorted
queue in an order fixed per annotator, like Elasticsearch's per-user random score), and an
approximate vector index (a similarity search loads the dataset's vectors once, cached until
they change, then does exact numpy cosine).
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Union

import numpy as np
from argilla_server.database import AsyncSessionLocal
from argilla_server.enums import MetadataPropertyType, SimilarityOrder
from argilla_server.models import (
    Dataset,
    Field,
    MetadataProperty,
    Record,
    Response,
    User,
    Vector,
    VectorSettings,
)
from argilla_server.search_engine import (
    FloatMetadataMetrics,
    IntegerMetadataMetrics,
    MetadataMetrics,
    SearchEngine,
    SearchResponseItem,
    SearchResponses,
    TermsMetrics,
    TextQuery,
)
from sqlalchemy import func, select, true

from annotation.sql_filters import filter_clause, json_path, order_by, text_clause

ENGINE_NAME = "factory-sql"
_VECTORS: dict = {}  # vector settings id -> (stamp, record ids, unit vectors); a few datasets at most


async def _where(db, dataset: Dataset, query, filter) -> list:
    clauses = [Record.dataset_id == dataset.id]
    if query is not None:
        rows = await db.execute(
            select(Field.name, Field.settings).where(Field.dataset_id == dataset.id)
        )
        clauses.append(
            text_clause(query, {name: (settings or {}).get("type") for name, settings in rows})
        )
    if filter is not None:
        clauses.append(filter_clause(filter))
    return clauses


async def _unit_vectors(db, vector_settings: VectorSettings):
    """(record ids, row-normalised matrix) of a vector setting, reloaded when its vectors change."""
    stamp = tuple(
        (
            await db.execute(
                select(func.count(), func.max(Vector.updated_at)).where(
                    Vector.vector_settings_id == vector_settings.id
                )
            )
        ).one()
    )
    cached = _VECTORS.get(vector_settings.id)
    if cached is not None and cached[0] == stamp:
        return cached[1], cached[2]
    rows = (
        await db.execute(
            select(Vector.record_id, Vector.value).where(
                Vector.vector_settings_id == vector_settings.id
            )
        )
    ).all()
    ids = [row[0] for row in rows]
    matrix = np.array([row[1] for row in rows], dtype=np.float32).reshape(
        len(rows), vector_settings.dimensions
    )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = matrix / np.where(norms == 0, 1, norms)
    if len(_VECTORS) > 8:
        _VECTORS.clear()
    _VECTORS[vector_settings.id] = (stamp, ids, matrix)
    return ids, matrix


@SearchEngine.register(engine_name=ENGINE_NAME)
class SQLSearchEngine(SearchEngine):
    @classmethod
    async def new_instance(cls) -> "SQLSearchEngine":
        return cls()

    async def close(self):
        pass

    async def ping(self) -> bool:
        async with AsyncSessionLocal() as db:
            return (await db.scalar(select(1))) == 1

    async def info(self) -> dict:
        return {"engine": ENGINE_NAME, "backend": "the server's SQL database", "version": "1"}

    # The records already live in SQL, and every query reads them there: nothing to index.
    async def create_index(self, dataset: Dataset):
        pass

    async def delete_index(self, dataset: Dataset):
        pass

    async def configure_metadata_property(
        self, dataset: Dataset, metadata_property: MetadataProperty
    ):
        pass

    async def configure_index_vectors(self, vector_settings: VectorSettings):
        pass

    async def index_records(self, dataset: Dataset, records: Iterable[Record]):
        pass

    async def partial_record_update(self, record: Record, **update):
        pass

    async def delete_records(self, dataset: Dataset, records: Iterable[Record]):
        pass

    async def update_record_response(self, response: Response):
        pass

    async def delete_record_response(self, response: Response):
        pass

    async def update_record_suggestion(self, suggestion):
        pass

    async def delete_record_suggestion(self, suggestion):
        pass

    async def get_dataset_progress(self, dataset: Dataset) -> dict:
        if dataset.is_draft:
            return {}
        async with AsyncSessionLocal() as db:
            rows = await db.execute(
                select(Record.status, func.count())
                .where(Record.dataset_id == dataset.id)
                .group_by(Record.status)
            )
            counts = {status.value: count for status, count in rows}
        return {"total": sum(counts.values()), **counts}

    async def get_dataset_user_progress(self, dataset: Dataset, user: User) -> dict:
        if dataset.is_draft:
            return {}
        async with AsyncSessionLocal() as db:
            rows = await db.execute(
                select(Response.status, func.count())
                .join(Record, Record.id == Response.record_id)
                .where(Record.dataset_id == dataset.id, Response.user_id == user.id)
                .group_by(Response.status)
            )
            counts = {status.value: count for status, count in rows}
        return {"total": sum(counts.values()), **counts}

    async def search(
        self,
        dataset: Dataset,
        query: Optional[Union[TextQuery, str]] = None,
        filter=None,
        sort=None,
        offset: int = 0,
        limit: int = 100,
        user_id=None,
    ) -> SearchResponses:
        async with AsyncSessionLocal() as db:
            where = await _where(db, dataset, query, filter)
            total = await db.scalar(select(func.count()).select_from(Record).where(*where))
            ids = (
                await db.scalars(
                    select(Record.id)
                    .where(*where)
                    .order_by(*order_by(sort, user_id))
                    .offset(offset)
                    .limit(limit)
                )
            ).all()
        return SearchResponses(
            items=[SearchResponseItem(record_id=i, score=1.0) for i in ids], total=total
        )

    async def similarity_search(
        self,
        dataset: Dataset,
        vector_settings: VectorSettings,
        value: Optional[List[float]] = None,
        record: Optional[Record] = None,
        query: Optional[Union[TextQuery, str]] = None,
        filter=None,
        max_results: int = 100,
        order: SimilarityOrder = SimilarityOrder.most_similar,
        threshold: Optional[float] = None,
    ) -> SearchResponses:
        if bool(value) == bool(record):
            raise ValueError(
                "Must provide either vector value or record to compute the similarity search"
            )
        async with AsyncSessionLocal() as db:
            if record is not None:
                value = await db.scalar(
                    select(Vector.value).where(
                        Vector.record_id == record.id,
                        Vector.vector_settings_id == vector_settings.id,
                    )
                )
                if not value:
                    raise ValueError("Cannot find a vector value to apply with provided info")
            ids, matrix = await _unit_vectors(db, vector_settings)
            allowed = None
            if query is not None or filter is not None:
                where = await _where(db, dataset, query, filter)
                allowed = set((await db.scalars(select(Record.id).where(*where))).all())
        if not ids:
            return SearchResponses(items=[], total=0)
        target = np.asarray(value, dtype=np.float32)
        cosine = matrix @ (target / (np.linalg.norm(target) or 1.0))
        scores = (1 - cosine) / 2 if order == SimilarityOrder.least_similar else (1 + cosine) / 2
        items = []
        for index in np.argsort(-scores, kind="stable"):
            record_id, score = ids[index], float(scores[index])
            if (record is not None and record_id == record.id) or (
                allowed is not None and record_id not in allowed
            ):
                continue
            if threshold is not None and score < threshold:
                break
            items.append(SearchResponseItem(record_id=record_id, score=score))
            if len(items) >= max_results:
                break
        return SearchResponses(items=items, total=len(items))

    async def compute_metrics_for(self, metadata_property: MetadataProperty) -> MetadataMetrics:
        path = json_path(metadata_property.name)
        in_dataset = Record.dataset_id == metadata_property.dataset_id
        async with AsyncSessionLocal() as db:
            if metadata_property.type == MetadataPropertyType.terms:
                each = func.json_each(Record.metadata_, path).table_valued("value")
                rows = (
                    await db.execute(
                        select(each.c.value, func.count())
                        .select_from(Record)
                        .join(each, true())
                        .where(in_dataset)
                        .group_by(each.c.value)
                        .order_by(func.count().desc(), each.c.value)
                    )
                ).all()
                values = [
                    TermsMetrics.TermCount(term=str(term), count=count) for term, count in rows
                ]
                return TermsMetrics(total=sum(count for _, count in rows), values=values)
            number = func.json_extract(Record.metadata_, path)
            is_number = func.json_type(Record.metadata_, path).in_(["integer", "real"])
            low, high = (
                await db.execute(
                    select(func.min(number), func.max(number)).where(in_dataset, is_number)
                )
            ).one()
        if metadata_property.type == MetadataPropertyType.integer:
            return IntegerMetadataMetrics(min=low, max=high)
        return FloatMetadataMetrics(min=low, max=high)
