"""Build-time script (never imported or run by the package): extract the bundled CSVs from the raw files.

Run once by a developer from the repository root with the raw files of SOURCES.md at hand:
``python src/infoflow/data/_bundled/_build.py /path/to/datasets``. It copies only the columns the
loaders use, values unchanged (NOAA temperatures stay in deg F; the loader converts them).
"""

import csv
import sys
from pathlib import Path

HERE = Path(__file__).parent
TMY3 = {
    "greensboro": ("tmy3_723170_greensboro_piedmont_triad_airport.csv",
                   {"Dry-bulb (C)": "temperature", "Dew-point (C)": "dew_point", "RHum (%)": "relative_humidity",
                    "Pressure (mbar)": "pressure", "Wspd (m/s)": "wind_speed"}),
    # Sand Point's pressure is a constant 1012 mbar fill value (source flag E on every row): left out.
    "sand_point": ("tmy3_703165_sand_point_airport.csv",
                   {"Dry-bulb (C)": "temperature", "Dew-point (C)": "dew_point", "RHum (%)": "relative_humidity",
                    "Wspd (m/s)": "wind_speed"}),
}
NOAA = {"seattle_2010": "seattle_2010_hourly_temps.csv", "san_francisco_2010": "san_francisco_2010_hourly_temps.csv"}


def main(raw_dir: Path) -> None:
    for name, (fname, cols) in TMY3.items():
        with open(raw_dir / fname, newline="") as fh:
            meta = next(csv.reader(fh))
            reader = csv.DictReader(fh)
            rows = [[r["Date (MM/DD/YYYY)"], r["Time (HH:MM)"], *(r[c] for c in cols)] for r in reader]
        with open(HERE / f"{name}.csv", "w", newline="") as out:
            out.write("# station " + " | ".join(meta) + "\n")
            w = csv.writer(out, lineterminator="\n")
            w.writerow(["date", "time", *cols.values()])
            w.writerows(rows)
    for name, fname in NOAA.items():
        with open(raw_dir / fname, newline="") as fh:
            rows = [[r["date"][:16], r["temp"]] for r in csv.DictReader(fh)]
        with open(HERE / f"{name}.csv", "w", newline="") as out:
            w = csv.writer(out, lineterminator="\n")
            w.writerow(["local_time", "temp_f"])
            w.writerows(rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
