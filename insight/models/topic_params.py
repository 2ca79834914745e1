"""The topic model's parameters and defaults, declared once: the config's ``[topics]`` section
extends this model, and every ``TopicModel`` validates its parameters through it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class TopicParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_topic_size: int | Literal["auto"] = Field(
        default="auto",
        description="Smallest fine cluster; auto = chosen from the data (models/granularity.py): "
        "about 0.5% of mentions in [10, 500], coarser where the UMAP layouts disagree at it.",
    )
    umap_neighbors: int = Field(default=15, ge=2)
    umap_components: int = Field(default=5, ge=2)
    umap_init: Literal["pca", "spectral", "random"] = Field(
        default="pca", description="UMAP's starting layout; pca is reproducible, spectral is not."
    )
    n_keywords: int = Field(default=8, ge=1)
    n_quotes: int = Field(default=3, ge=0)
    outliers: Literal["keep", "reduce"] = "reduce"
    outlier_threshold: float = Field(
        default=0.55, ge=0.0, le=1.0, description="Min cosine to a topic centroid to reassign."
    )
    merge_distance: float = Field(
        default=0.55,
        ge=0.0,
        le=2.0,
        description="Merge fine clusters whose centroids are within this cosine distance; 0 = off.",
    )
    max_theme_share: float = Field(
        default=0.125,
        gt=0.0,
        le=1.0,
        description="No theme merge may hold more than this share of the clustered mentions.",
    )
    max_themes: int = Field(
        default=0,
        ge=0,
        description="At most this many themes: when more remain at merge_distance, the merge "
        "tree is cut higher (up to cosine distance 1); 0 = no limit. Off by default: on CLINC150 "
        "it cost theme seed stability (bench/README).",
    )
    merge_sentiment_gap: float = Field(
        default=0.4,
        ge=0.0,
        le=1.0,
        description="Clusters whose mean positive probability differs by more than this merge "
        "only when they name the same subject (a shared leading noun phrase); 1 = off.",
    )
    tag_neighbors: int = Field(default=15, ge=1)
    max_index_size: int = Field(default=50_000, ge=100)

    @field_validator("min_topic_size")
    @classmethod
    def _size(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 2:
            raise ValueError("min_topic_size must be >= 2 or 'auto'")
        return value
