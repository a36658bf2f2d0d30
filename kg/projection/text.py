"""Text columns held as Python strings (object dtype), not in pandas 3's default Arrow arrays.

pandas 3 puts text it is given (an object array of strings, a list) into Arrow arrays, where every
``to_numpy``, ``tolist`` and row selection makes new Python strings or copies buffers. The projection
does hundreds of those on columns of half a million rows: at 100k organisations Arrow text cost a fifth
of the first analysis. Its tables and leg tables therefore keep text as the Python strings they were
made from (:func:`plain`, :func:`texts`), shared by every later step.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def texts(values: Iterable[object] | np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """``values`` as an object column (no copy of an object array; a plain ``Series`` would infer Arrow text),
    on ``index`` when given (to assign it to a frame with that index).

    >>> texts(np.array(["a", None], dtype=object)).dtype
    dtype('O')
    """
    array = values if isinstance(values, np.ndarray) else np.array(list(values), dtype=object)
    return pd.Series(array, dtype=object, index=index, copy=False)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (changed in place, and returned) with its text columns as Python strings, None where missing.

    >>> plain(pd.DataFrame({"a": ["x", None], "n": [1, 2]})).dtypes.to_dict()
    {'a': dtype('O'), 'n': dtype('int64')}
    """
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            values = frame[column].to_numpy(dtype=object)
            missing = pd.isna(values)
            if missing.any():
                values = values.copy()
                values[missing] = None
            frame[column] = pd.Series(values, dtype=object, index=frame.index, copy=False)
    return frame
