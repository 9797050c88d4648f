# Reference rotated-pole coordinates for FigureTests.testRotatedPoleAgainstPROJ: geographic points moved onto the
# EURO-CORDEX rotated grid (CF rotated_latitude_longitude, pole 39.25N 162W) by PROJ (pyproj), printed as Swift.
# Run: pip install pyproj && python3 Tests/GridPlotTests/make_rotated_reference.py
import pyproj

crs = pyproj.CRS.from_cf({"grid_mapping_name": "rotated_latitude_longitude",
                          "grid_north_pole_latitude": 39.25, "grid_north_pole_longitude": -162.0})
to_rotated = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
points = [(0.0, 51.5), (-9.5, 38.7), (24.9, 60.2), (12.5, 41.9), (-22.0, 64.1), (37.6, 55.8), (10.0, 35.0), (-30.0, 70.0)]
for lon, lat in points:
    x, y = to_rotated.transform(lon, lat)
    print(f"            (lat: {lat}, lon: {lon}, rlon: {x:.9f}, rlat: {y:.9f}),")
print("pyproj", pyproj.__version__, "PROJ", pyproj.proj_version_str)
