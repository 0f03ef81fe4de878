"""Series index: postings per label pair and matcher resolution, for head and blocks."""

from argus.tsdb.index.postings import (
    MemPostings,
    PostingsReader,
    matching_values,
    select_postings,
)

__all__ = ["MemPostings", "PostingsReader", "matching_values", "select_postings"]
