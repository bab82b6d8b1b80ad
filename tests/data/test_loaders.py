"""User data: load_csv and from_numpy, including every bad input they must reject clearly."""

import numpy as np
import pytest

from infoflow._validation import InfoflowWarning, InvalidParameterError
from infoflow.data import from_numpy, load_csv


def _write(tmp_path, text, name="d.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = ("when,temp,wind\n2020-01-01 00:00,1.5,3\n2020-01-01 01:00,2.0,4\n2020-01-01 02:00,2.5,2\n"
        "2020-01-01 03:00,1.0,5\n")


def test_load_csv_good_with_time(tmp_path):
    da = load_csv(_write(tmp_path, GOOD), value_columns=["wind", "temp"], time_column="when")
    assert da.dims == ("time", "channel") and da.shape == (4, 2)
    assert da.channel.values.tolist() == ["wind", "temp"]
    np.testing.assert_array_equal(da.values[:, 1], [1.5, 2.0, 2.5, 1.0])
    assert np.issubdtype(da.time.dtype, np.datetime64)
    assert da.attrs["source"].endswith("d.csv")


def test_load_csv_single_column_string_and_index_time(tmp_path):
    da = load_csv(str(_write(tmp_path, GOOD)), value_columns="temp")
    assert da.shape == (4, 1) and da.time.values.tolist() == [0, 1, 2, 3]


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_csv(tmp_path / "nope.csv", value_columns="temp")


def test_missing_column_lists_available(tmp_path):
    with pytest.raises(InvalidParameterError, match=r"'tmp'.*available columns are \['when', 'temp', 'wind'\].*'temp'"):
        load_csv(_write(tmp_path, GOOD), value_columns=["tmp"])
    with pytest.raises(InvalidParameterError, match="'time'"):
        load_csv(_write(tmp_path, GOOD), value_columns=["temp"], time_column="time")


def test_non_numeric_names_column_and_row(tmp_path):
    text = "a,b\n1,2\n3,x7\n4,5\n"
    with pytest.raises(ValueError, match=r"column 'b' has non-numeric value 'x7' at data row 1 \(line 3"):
        load_csv(_write(tmp_path, text), value_columns=["a", "b"])


def test_nan_inf_and_empty_cells_error_by_default(tmp_path):
    for bad in ("nan", "", "inf", "NA"):
        text = f"a\n1\n2\n{bad}\n4\n5\n"
        with pytest.raises(ValueError, match="fill='interpolate'"):
            load_csv(_write(tmp_path, text), value_columns="a")


def test_fill_interpolate_interior_gaps_and_counts(tmp_path):
    text = "a,b\n1,10\n,11\nnan,12\n4,inf\n5,14\n"
    with pytest.warns(InfoflowWarning, match="interpolated 3 missing"):
        da = load_csv(_write(tmp_path, text), value_columns=["a", "b"], fill="interpolate")
    np.testing.assert_allclose(da.values[:, 0], [1, 2, 3, 4, 5])
    np.testing.assert_allclose(da.values[:, 1], [10, 11, 12, 13, 14])
    assert da.attrs["n_interpolated"] == 3


def test_fill_interpolate_rejects_edge_gaps(tmp_path):
    with pytest.raises(ValueError, match="'a' has missing values at the start"):
        load_csv(_write(tmp_path, "a\n\n2\n3\n"), value_columns="a", fill="interpolate")
    with pytest.raises(ValueError, match="at the end"):
        load_csv(_write(tmp_path, "a\n1\n2\nnan\n"), value_columns="a", fill="interpolate")


def test_unknown_fill_option_suggests(tmp_path):
    with pytest.raises(InvalidParameterError, match="Did you mean 'interpolate'"):
        load_csv(_write(tmp_path, GOOD), value_columns="temp", fill="interpolat")


def test_constant_series_names_channel(tmp_path):
    with pytest.raises(ValueError, match="channel 'c' is constant"):
        load_csv(_write(tmp_path, "a,c\n1,7\n2,7\n3,7\n"), value_columns=["a", "c"])


def test_empty_and_header_only_and_corrupt(tmp_path):
    with pytest.raises(ValueError, match="is empty"):
        load_csv(_write(tmp_path, ""), value_columns="a")
    with pytest.raises(ValueError, match="no data rows"):
        load_csv(_write(tmp_path, "a,b\n"), value_columns="a")
    with pytest.raises(ValueError, match="could not parse"):
        load_csv(_write(tmp_path, "a,b\n1,2\n3,4,5,6\n"), value_columns="a")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage\x00\n\x9c\x9d")
    with pytest.raises(ValueError):
        load_csv(binary, value_columns="a")
    with pytest.raises(ValueError, match="directory"):
        load_csv(tmp_path, value_columns="a")


def test_bad_or_unsorted_time_column(tmp_path):
    with pytest.raises(ValueError, match="unparsable time stamp 'soon' at data row 1"):
        load_csv(_write(tmp_path, "t,a\n2020-01-01,1\nsoon,2\n"), value_columns="a", time_column="t")
    with pytest.raises(ValueError, match="strictly increase"):
        load_csv(_write(tmp_path, "t,a\n2020-01-02,1\n2020-01-01,2\n"), value_columns="a", time_column="t")


def test_bad_argument_types(tmp_path):
    with pytest.raises(InvalidParameterError, match="'path'"):
        load_csv(42, value_columns="a")
    with pytest.raises(InvalidParameterError, match="value_columns"):
        load_csv(_write(tmp_path, GOOD), value_columns=[])
    with pytest.raises(InvalidParameterError):
        load_csv(_write(tmp_path, GOOD))  # value_columns is required


def test_from_numpy_shapes_and_names():
    x = np.random.default_rng(0).standard_normal((50, 2))
    da = from_numpy(x, channel_names=["t", "w"])
    assert da.dims == ("time", "channel") and da.channel.values.tolist() == ["t", "w"]
    np.testing.assert_array_equal(da.values, x)
    one = from_numpy(x[:, 0])
    assert one.shape == (50, 1) and one.channel.values.tolist() == ["c0"]


def test_from_numpy_bad_inputs():
    x = np.random.default_rng(0).standard_normal((50, 2))
    with pytest.raises(InvalidParameterError, match="1 channel_names given for 2"):
        from_numpy(x, channel_names=["a"])
    with pytest.raises(ValueError, match="shape"):
        from_numpy(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="numeric"):
        from_numpy([["a", "b"]])
    y = x.copy()
    y[5, 1] = np.nan
    with pytest.raises(ValueError, match="channel 'c1' at row 5"):
        from_numpy(y)
    y[5, 1] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        from_numpy(y)
    with pytest.raises(ValueError, match="channel 'k' is constant"):
        from_numpy(np.column_stack([x[:, 0], np.ones(50)]), channel_names=["a", "k"])
    with pytest.raises(ValueError, match="too small"):
        from_numpy([1.0])


def test_time_zones_become_utc_and_mixed_formats_fail(tmp_path):
    text = "t,a\n2020-01-01T00:00+01:00,1\n2020-01-01T01:00+01:00,2\n2020-01-01T02:00+01:00,3\n"
    da = load_csv(_write(tmp_path, text), value_columns="a", time_column="t")
    assert str(da.time.values[0])[:16] == "2019-12-31T23:00"
    with pytest.raises(ValueError, match="share the format"):
        load_csv(_write(tmp_path, "t,a\n2020-01-01,1\n2020/01/02,2\n"), value_columns="a", time_column="t")
