"""
S3's conditional requests, through s3fs: what leases and create-only writes use.

:class:`S3Objects` implements :class:`~._leases.ConditionalObjects` with
s3fs's own client (``S3FileSystem.call_s3``): ``PutObject`` with
``If-None-Match: *`` (create only if absent) or ``If-Match: <ETag>`` (rewrite
only if unchanged), ``HeadObject`` for the ETag, ``DeleteObject`` with
``If-Match``. A failed condition is HTTP 412 (``PreconditionFailed``); a
concurrent conditional write to the same key may get 409
(``ConditionalRequestConflict``): both mean "the condition did not hold".

Which servers honour the conditions: AWS S3 (all three), moto's server mode
(tested), MinIO (``If-None-Match`` and ``If-Match`` on PUT). A server that
ignores them turns a create-only write into an overwrite: leases then no
longer exclude (duplicate computations), and the last complete writer of an
entry wins; never a torn or wrong entry, since every object is published
whole and entries are verified on read.

One reason to change: how S3 conditional requests are made and their errors
read. Imports nothing of the package; s3fs is the caller's object.
"""

from __future__ import annotations

from typing import Any, final

__all__ = ["S3Objects", "condition_failed"]

_FAILED_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


def condition_failed(err: BaseException) -> bool:
    """Whether *err* (from s3fs) says a request's condition did not hold (412/409)."""
    if isinstance(err, FileExistsError):
        return True  # s3fs's translation of If-None-Match's 412
    cause: BaseException | None = err
    while cause is not None:
        response = getattr(cause, "response", None)
        if isinstance(response, dict):
            error = response.get("Error") or {}
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            if error.get("Code") in _FAILED_CODES or status in (409, 412):
                return True
        cause = cause.__cause__ or cause.__context__
    return "pre-conditions you specified did not hold" in str(err)


@final
class S3Objects:
    """
    Conditional object operations on an ``s3fs.S3FileSystem`` (see the module).

    Args:
        fs: The s3fs file system; paths are ``"bucket/key"``.
    """

    def __init__(self, fs: Any) -> None:
        self._fs = fs

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        bucket, key, _ = self._fs.split_path(path)
        try:
            return self._fs.call_s3(method, Bucket=bucket, Key=key, **kwargs)
        except OSError:
            raise
        except Exception as err:
            # A server that does not answer: botocore's EndpointConnectionError,
            # ReadTimeoutError and kin are not OSError; callers expect one.
            raise ConnectionError(
                f"s3://{bucket}/{key}: no answer from the server: {err}"
            ) from err

    def create(self, path: str, data: bytes) -> str | None:
        """``PutObject`` with ``If-None-Match: *``: the ETag, or ``None`` if it exists."""
        try:
            return str(
                self._call("put_object", path, Body=data, IfNoneMatch="*")["ETag"]
            )
        except OSError as err:
            if condition_failed(err):
                return None
            raise

    def replace(self, path: str, data: bytes, tag: str) -> str | None:
        """``PutObject`` with ``If-Match``: the new ETag, or ``None`` if changed or gone."""
        try:
            return str(self._call("put_object", path, Body=data, IfMatch=tag)["ETag"])
        except FileNotFoundError:
            return None
        except OSError as err:
            if condition_failed(err):
                return None
            raise

    def tag(self, path: str) -> str | None:
        """``HeadObject``'s ETag, or ``None`` if there is no object."""
        try:
            return str(self._call("head_object", path)["ETag"])
        except FileNotFoundError:
            return None

    def delete(self, path: str, tag: str) -> None:
        """``DeleteObject`` with ``If-Match``: a changed or missing object stays."""
        try:
            self._call("delete_object", path, IfMatch=tag)
        except FileNotFoundError:
            return
        except OSError as err:
            if condition_failed(err):
                return
            raise
