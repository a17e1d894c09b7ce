"""Build the contested-location layers in data/layers/ from ../shared/reference.

Run from the repository root: ``.venv/bin/python data/build_layers.py``. Geometry work (buffers,
clipping) happens in UTM zone 36N (EPSG:32636); output is RFC 7946 GeoJSON in WGS84 [lon, lat],
rounded to 6 decimals, exterior rings counter-clockwise, holes clockwise. The output is
deterministic: re-running the script reproduces the same bytes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

REPO = Path(__file__).resolve().parents[1]
REFERENCE_DIR = REPO.parent / "shared" / "reference"
OSM_FILE = "gaza-region-osm.geojson"
OUT_DIR = REPO / "data" / "layers"

WGS84 = "EPSG:4326"
UTM_36N = "EPSG:32636"
# lon_min, lat_min, lon_max, lat_max: every input and output coordinate must fall inside.
REGION_BBOX = (34.0, 31.0, 35.0, 32.0)
PRECISION = 1e-6
DECIMALS = 6

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
PHILADELPHI_WIDTH_M = 100.0
RAFAH_CROSSING_RADIUS_M = 100.0
NETZARIM_WIDENED = "2024-07-01"
NETZARIM_WITHDRAWAL = "2025-02-09"


def _source(title: str, url: str | None = None, date: str | None = None) -> dict[str, Any]:
    return {"title": title, "url": url, "date": date}


def _wikipedia(article: str, section: str | None = None) -> dict[str, Any]:
    url = "https://en.wikipedia.org/wiki/" + article.replace(" ", "_")
    if section:
        url += "#" + section.replace(" ", "_")
    title = f'Wikipedia, "{article}"' + (f', section "{section}"' if section else "")
    return _source(title, url)


# Sources as cited in ../shared/reference/LOCATIONS.md. A URL is given only where the reference
# names the page; news reports are cited by outlet and date.
OSM_SOURCE = _source(
    "OpenStreetMap boundaries as packaged by geo-maps countries-land-10m v0.6.0 (2017), "
    "clipped to the Gaza region (gaza-region-osm.geojson)",
    "https://github.com/simonepri/geo-maps",
)
REUTERS = _source("Reuters explainer on the Philadelphi Corridor", None, "2024-09-06")
ANSA = _source("ANSA report on the Philadelphi Corridor", None, "2024-08-22")
VAJIRAM = _source("vajiramias.com explainer on the Rafah crossing and the Philadelphi Corridor")
CNN = _source("CNN report on the Netzarim Corridor road", None, "2024-03-08")
ISW = _source(
    'Institute for the Study of War, as cited by Wikipedia "Netzarim Corridor" '
    "(widening to about 4 km, July 2024)",
    "https://en.wikipedia.org/wiki/Netzarim_Corridor",
)
FAJAR = _source(
    "fajar.co.id report of the Israeli withdrawal from the Netzarim Corridor",
    None,
    NETZARIM_WITHDRAWAL,
)

ALIASES: dict[str, dict[str, list[str]]] = {
    "philadelphi-corridor": {
        "en": [
            "Philadelphi Corridor",
            "Philadelphi Route",
            "Philadelphi axis",
            "Philadelphia Corridor",
            "Philadelphia Route",
            "Philadelphia axis",
            "Salah al-Din Corridor",
            "Salah al-Din axis",
            "Salah al-Din route",
            "Salah ad-Din Corridor",
            "Salah el-Din Corridor",
            "Saladin Corridor",
            "Saladin axis",
        ],
        "ar": [
            "محور فيلادلفيا",
            "محور صلاح الدين",
            "ممر فيلادلفيا",
            "ممر صلاح الدين",
            "محور فيلادلفي",
        ],
        "he": ["ציר פילדלפי", "ציר פילדלפיה", "מסדרון פילדלפי"],
        "fr": [
            "couloir de Philadelphie",
            "corridor de Philadelphie",
            "axe de Philadelphie",
            "route de Philadelphie",
            "couloir Philadelphie",
            "couloir de Philadelphi",
            "corridor Philadelphi",
            "axe Philadelphi",
            "axe Salah al-Din",
        ],
        "it": [
            "corridoio Filadelfia",
            "corridoio di Filadelfia",
            "corridoio Philadelphi",
            "corridoio di Philadelphi",
            "asse Filadelfia",
            "asse di Filadelfia",
            "asse Philadelphi",
            "asse Salah al-Din",
        ],
        "de": [
            "Philadelphi-Korridor",
            "Philadelphi Korridor",
            "Philadelphia-Korridor",
            "Philadelphi-Route",
            "Philadelphi-Achse",
            "Salah-al-Din-Korridor",
            "Salah-al-Din-Achse",
            # the adjective: "im sogenannten philadelphischen Korridor" (FAZ, Tagesschau)
            "philadelphischer Korridor",
            "philadelphischen Korridor",
            "philadelphische Korridor",
        ],
        "tr": [
            "Philadelphi Koridoru",  # defencetr.com (Netanyahu ... yineledi); artigercek.com
            "Philadelphia Koridoru",  # Sabah via bolumanset.com.tr; Diriliş Postası 2024-08-24
            "Selahaddin Koridoru",  # Diriliş Postası 2024-08-24; artigercek.com
        ],
        "es": [
            "corredor de Filadelfia",  # TRT Español 2024-08-21; El Independiente; EFE 2025-02-10
            "corredor Filadelfia",  # La Nación (Europa Press) 2024-07; es.wikipedia via knowpia
            "ruta de Filadelfia",  # El Independiente ("la ruta de Filadelfia")
            "corredor Saladino",  # es.wikipedia "Corredor Filadelfia" via knowpia; elnuevorumbo.do
            "eje de Salah al Din",  # El Independiente ("el eje de Salah al Din")
        ],
    },
    "rafah-crossing": {
        "en": [
            "Rafah crossing",
            "Rafah border crossing",
            "Rafah Crossing Point",
            "Rafah terminal",
            "Rafah border terminal",
            "Rafah land crossing",
            "Rafah land port",
        ],
        "ar": ["معبر رفح", "معبر رفح البري", "منفذ رفح", "منفذ رفح البري", "ميناء رفح البري"],
        "he": ["מעבר רפיח", "מעבר הגבול ברפיח", "מעבר הגבול רפיח", "מסוף רפיח"],
        "fr": [
            "point de passage de Rafah",
            "poste-frontière de Rafah",
            "poste frontière de Rafah",
            "passage de Rafah",
            "point de passage frontalier de Rafah",
            "terminal de Rafah",
            "terminal frontalier de Rafah",
            "poste de Rafah",
        ],
        "it": [
            "valico di Rafah",
            "valico Rafah",
            "valico di frontiera di Rafah",
            "valico di confine di Rafah",
            "varco di Rafah",
            "terminal di Rafah",
        ],
        "de": [
            "Grenzübergang Rafah",
            "Grenzübergang von Rafah",
            "Rafah-Grenzübergang",
            "Übergang Rafah",
            "Rafah-Übergang",
            "Grenzposten Rafah",
        ],
        "tr": [
            "Refah Sınır Kapısı",  # Yeni Şafak; star.com.tr 2025-10-12; A Haber 2025-10-21
            "Refah Kapısı",  # aksiyon.com.tr ("Refah Kapısı'nı açabileceğini"); Diriliş Postası
        ],
        "es": [
            "paso de Rafah",  # laSexta (EFE) 2023-10; elEconomista
            "paso fronterizo de Rafah",  # BBC Mundo via El Deber 2023-10; EFE via minuto30.com
            "cruce de Rafah",  # TRT Español 2024-08-21; EFE via menorca.info 2023-10-19
            "puesto de Rafah",  # The Objective ("el puesto de Rafah")
            "paso de Rafá",  # Europa Press ("a través del paso de Rafá"); the core never bare
        ],
    },
    "kerem-shalom-crossing": {
        "en": [
            "Kerem Shalom crossing",
            "Kerem Shalom border crossing",
            "Kerem Shalom terminal",
            "Karem Abu Salem",
            "Kerem Abu Salem",
            "Karm Abu Salem",
            "Karam Abu Salem",  # transliteration of كرم أبو سالم as Arab outlets write it
            "Karem Abu Salem crossing",
            "Kerem Abu Salem crossing",
            "Karem Shalom crossing",  # a common transliteration ("el Paso Karem Shalom")
        ],
        "ar": [
            "معبر كرم أبو سالم",
            "كرم أبو سالم",
            "معبر كرم أبوسالم",  # written as one word in Egyptian outlets
            "كرم أبوسالم",
            "معبر كيرم شالوم",
            "معبر كرم شالوم",
        ],
        "he": ["מעבר כרם שלום", "מסוף כרם שלום", "מעבר הגבול כרם שלום"],
        "fr": [
            "point de passage de Kerem Shalom",
            "passage de Kerem Shalom",
            "poste-frontière de Kerem Shalom",
            "terminal de Kerem Shalom",
            "Karem Abou Salem",
            "Kerem Abou Salem",
        ],
        "it": [
            "valico di Kerem Shalom",
            "valico Kerem Shalom",
            "valico di frontiera di Kerem Shalom",
            "varco di Kerem Shalom",
        ],
        "de": [
            "Grenzübergang Kerem Schalom",
            "Grenzübergang Kerem Shalom",
            "Übergang Kerem Schalom",
            "Übergang Kerem Shalom",
        ],
        "tr": [
            "Kerem Şalom Sınır Kapısı",  # mersintime.com; balikesirposta.com.tr; haberler.com
            "Kerem Şalom",  # balikesirposta.com.tr ("Kerem Şalom'dan"); star.com.tr 2025-10-12
            "Kerem Ebu Salim Sınır Kapısı",  # Yeni Şafak; gzt.com; dogruhaber.com.tr
            "Kerem Ebu Salim",  # A Haber 2025-10-21; star.com.tr 2025-10-12
            "Kerem Şalon Sınır Kapısı",  # a misspelling seen in Turkish agency copy
        ],
        "es": [
            "paso de Kerem Shalom",  # BioBioChile 2024-05-08; El Debate 2024-05-08
            "paso fronterizo de Kerem Shalom",  # El Universal (EFE) 2023-12-17; La Nación 2024-07
            "cruce de Kerem Shalom",  # El Debate 2024-05-08; fm105.com.mx
            "cruce fronterizo de Kerem Shalom",  # elmiradordeceuta.com
            "puesto de Kerem Shalom",  # confirmado.com.ve (EFE)
            "paso de Kerem Sharon",  # a misspelling seen in Spanish agency copy
        ],
    },
    "netzarim-junction": {
        "en": [
            "Netzarim Junction",
            "Netzarim crossroads",
            "Netzarim intersection",
            "al-Shuhada junction",
            "Shuhada junction",
            "al-Shuhada crossroads",
            "Martyrs' Junction",
            "Martyrs’ Junction",
            "Martyrs Junction",
        ],
        "ar": ["مفترق الشهداء", "مفترق نتساريم", "مفترق نتزاريم", "تقاطع نتساريم"],
        "he": ["צומת נצרים"],
        "fr": [
            "carrefour de Netzarim",
            "carrefour Netzarim",
            "jonction de Netzarim",
            "carrefour al-Shuhada",
            "carrefour des Martyrs",
        ],
        "it": [
            "incrocio di Netzarim",
            "incrocio Netzarim",
            "svincolo di Netzarim",
            "bivio di Netzarim",
            "incrocio dei Martiri",
        ],
        "de": ["Netzarim-Kreuzung", "Kreuzung Netzarim", "Kreuzung von Netzarim"],
        # No Turkish or Spanish name of the junction was found in use (BioBioChile 2023-10-30
        # writes "una intersección conocida como Netzarim Junction"): these render it with the
        # junction words the extractor knows ("kavşak", "cruce").
        "tr": ["Netzarim Kavşağı"],
        "es": ["cruce de Netzarim"],
    },
    "netzarim-corridor": {
        "en": [
            "Netzarim Corridor",
            "Netzarim axis",
            "Netzarim road",
            "Netzarim route",
            "Route 749",
            "Highway 749",
            "Road 749",
        ],
        "ar": ["محور نتساريم", "محور نتزاريم", "ممر نتساريم", "ممر نتزاريم"],
        "he": ["ציר נצרים", "מסדרון נצרים", "פרוזדור נצרים", "אצבע נצרים", "כביש 749"],
        "fr": [
            "couloir de Netzarim",
            "corridor de Netzarim",
            "axe de Netzarim",
            "couloir Netzarim",
            "corridor Netzarim",
            "axe Netzarim",
        ],
        "it": ["corridoio Netzarim", "corridoio di Netzarim", "asse Netzarim", "asse di Netzarim"],
        "de": ["Netzarim-Korridor", "Netzarim Korridor", "Netzarim-Achse", "Korridor von Netzarim"],
        "tr": ["Netzarim Koridoru"],  # defencetr.com; diyet-dunyasi.com; burdahaber.com
        "es": [
            "corredor Netzarim",  # TRT Español 2024-08-21; es.wikipedia "Corredor Netzarim"
            "corredor de Netzarim",  # La Nación (Europa Press) 2024-07; EFE (swissinfo) 2025-02-10
            "eje Netzarim",  # es.wikipedia "Corredor Netzarim" (quoting the Israeli army)
        ],
    },
    "gaza-strip": {
        "en": ["Gaza Strip"],
        "ar": ["قطاع غزة"],
        "he": ["רצועת עזה"],
        "fr": ["bande de Gaza"],
        "it": ["Striscia di Gaza"],
        "de": ["Gazastreifen", "Gaza-Streifen"],
    },
}

# Points as given in LOCATIONS.md (lat, lon there; [lon, lat] here).
RAFAH_CROSSING = (34.25923, 31.24858)
KEREM_SHALOM_CROSSING = (34.27056, 31.22083)
NETZARIM_JUNCTION = (34.426689, 31.465129)
# Approximate centre line of the Netzarim Corridor: coast -> junction -> Gaza-Israel border.
NETZARIM_CENTRE_LINE = ((34.3906, 31.4796), NETZARIM_JUNCTION, (34.4554, 31.4536))


def main() -> int:
    """Read the reference boundaries, build every layer and write it to data/layers/."""
    reference = REFERENCE_DIR / OSM_FILE
    if not reference.is_file():
        print(
            f"build_layers: reference boundaries not found at {str(reference)!r}; this script "
            "needs ../shared/reference beside the repository root",
            file=sys.stderr,
        )
        return 2
    gaza, border = read_reference(reference)
    layers = build_layers(gaza, border)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    for location_id, features in layers.items():
        path = OUT_DIR / f"{location_id}.geojson"
        path.write_text(dumps_collection(features), encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)} ({len(features)} feature(s))")
    return 0


def read_reference(path: Path) -> tuple[Polygon, LineString]:
    """Return the Gaza Strip outline (holes filled) and the Gaza-Egypt border line."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    if "crs" in collection:
        raise SystemExit(f"build_layers: {str(path)!r} declares a crs; expected RFC 7946 WGS84")
    by_name = {f["properties"]["name"]: shape(f["geometry"]) for f in collection["features"]}
    gaza = _expect(by_name, "Gaza Strip", Polygon, path)
    border = _expect(by_name, "Gaza-Egypt border (line)", LineString, path)
    for geometry in (gaza, border):
        _check_in_region(geometry, str(path))
    # The source ring carries small triangular holes that no neighbouring outline covers
    # (packaging artefacts, not enclaves): keep the exterior only.
    return Polygon(gaza.exterior), border


def _expect(by_name: dict[str, BaseGeometry], name: str, kind: type, path: Path) -> Any:
    geometry = by_name.get(name)
    if not isinstance(geometry, kind):
        raise SystemExit(
            f"build_layers: {str(path)!r} has no {kind.__name__} feature named {name!r}"
        )
    return geometry


def _check_in_region(geometry: BaseGeometry, where: str) -> None:
    lon_min, lat_min, lon_max, lat_max = geometry.bounds
    r_lon_min, r_lat_min, r_lon_max, r_lat_max = REGION_BBOX
    inside = r_lon_min <= lon_min and lon_max <= r_lon_max
    inside = inside and r_lat_min <= lat_min and lat_max <= r_lat_max
    if not inside:
        raise SystemExit(
            f"build_layers: {where}: bounds {geometry.bounds!r} fall outside the region "
            f"{REGION_BBOX!r} (lon, lat); wrong axis order or CRS?"
        )


def build_layers(gaza: Polygon, border: LineString) -> dict[str, list[dict[str, Any]]]:
    """Return each location's features, keyed by location_id, in WGS84."""
    gaza_m = to_utm(gaza)
    rafah = Point(RAFAH_CROSSING)
    philadelphi = (
        to_utm(border)
        .buffer(PHILADELPHI_WIDTH_M)
        .union(to_utm(rafah).buffer(RAFAH_CROSSING_RADIUS_M))
        .intersection(gaza_m)
    )
    centre_line = to_utm(LineString(NETZARIM_CENTRE_LINE))
    netzarim_2km = centre_line.buffer(1_000).intersection(gaza_m)
    netzarim_4km = centre_line.buffer(2_000).intersection(gaza_m)
    return {
        "philadelphi-corridor": [_philadelphi(to_wgs84(philadelphi))],
        "rafah-crossing": [_rafah_crossing(rafah)],
        "netzarim-junction": [_netzarim_junction(Point(NETZARIM_JUNCTION))],
        "netzarim-corridor": _netzarim_corridor(to_wgs84(netzarim_2km), to_wgs84(netzarim_4km)),
        "kerem-shalom-crossing": [_kerem_shalom(Point(KEREM_SHALOM_CROSSING))],
        "gaza-strip": [_gaza_strip(gaza)],
    }


def to_utm(geometry: BaseGeometry) -> BaseGeometry:
    """Project a WGS84 [lon, lat] geometry to UTM zone 36N metres."""
    return gpd.GeoSeries([geometry], crs=WGS84).to_crs(UTM_36N).iloc[0]


def to_wgs84(geometry: BaseGeometry) -> BaseGeometry:
    """Project a UTM zone 36N geometry back to WGS84 [lon, lat]."""
    return gpd.GeoSeries([geometry], crs=UTM_36N).to_crs(WGS84).iloc[0]


def _philadelphi(geometry: BaseGeometry) -> dict[str, Any]:
    return feature(
        geometry,
        location_id="philadelphi-corridor",
        name="Philadelphi Corridor",
        kind="corridor",
        accuracy_m=50,
        sources=[REUTERS, _wikipedia("Philadelphi Corridor"), ANSA, OSM_SOURCE],
        attribution=OSM_ATTRIBUTION,
        note=(
            "Strip about 100 m wide on the Gaza side of the whole Gaza–Egypt border, from the "
            "Mediterranean (north-west end) to the Egypt–Israel–Gaza tripoint near the Kerem "
            "Shalom crossing (south-east end): the OpenStreetMap border line buffered 100 m in UTM "
            "36N and clipped to the Gaza Strip outline. Widened around the Rafah crossing "
            "(everything within 100 m of its point), because the sources place the crossing inside "
            "the corridor while its point lies about 170 m from the border line. Width and edges "
            "are approximate (tens of metres); sources give the length as about 14 km, the OSM "
            "border line measures 12.7 km. Israel took control of the corridor in May 2024 "
            "(announced 29 May per ANSA). Not Salah al-Din Road, Gaza's main north–south highway."
        ),
    )


def _rafah_crossing(geometry: Point) -> dict[str, Any]:
    return feature(
        geometry,
        location_id="rafah-crossing",
        name="Rafah crossing",
        kind="crossing",
        accuracy_m=200,
        sources=[_wikipedia("Rafah Border Crossing"), REUTERS, VAJIRAM],
        attribution=None,
        note=(
            "Hand-placed at the Wikipedia infobox coordinate (31.24858 N, 34.25923 E); the point "
            "stands for a terminal complex a few hundred metres across. The sole crossing for "
            "people between Egypt and the Gaza Strip; lies within the Philadelphi Corridor. "
            "Not Rafah the city (about 31.29 N, 34.25 E), Rafah governorate, or the Salah al-Din "
            "Gate (a commercial gate at Rafah opened in 2018)."
        ),
    )


def _netzarim_junction(geometry: Point) -> dict[str, Any]:
    return feature(
        geometry,
        location_id="netzarim-junction",
        name="Netzarim Junction",
        kind="junction",
        accuracy_m=50,
        sources=[
            _wikipedia("Muhammad al-Durrah incident", "Netzarim Junction"),
            _wikipedia("Netzarim Junction"),
        ],
        attribution=None,
        note=(
            "Hand-placed at 31.465129 N, 34.426689 E: where Route 749 (the Netzarim Corridor "
            "road, east–west) crosses Salah al-Din Road (north–south), a few kilometres south of "
            "Gaza City. Not the former Israeli settlement of Netzarim."
        ),
    )


def _netzarim_corridor(narrow: BaseGeometry, wide: BaseGeometry) -> list[dict[str, Any]]:
    common: dict[str, Any] = {
        "location_id": "netzarim-corridor",
        "name": "Netzarim Corridor",
        "kind": "corridor",
        "accuracy_m": 500,
        "attribution": OSM_ATTRIBUTION,
    }
    method = (
        "The approximate centre line along Route 749 (coast, Netzarim Junction, Gaza–Israel "
        "border; bearing about 115°, accuracy about 300 m) buffered by half the width in UTM 36N "
        "and clipped to the OpenStreetMap Gaza Strip outline; edges may be several hundred metres "
        "off."
    )
    return [
        feature(
            narrow,
            **common,
            valid_to=NETZARIM_WIDENED,
            sources=[CNN, _wikipedia("Netzarim Corridor"), OSM_SOURCE],
            note=(
                "Israeli military zone about 2 km wide across the Strip south of Gaza City. "
                f"{method} Start not dated in the sources (the road was built from late 2023). "
                "Ends when the zone was widened to about 4 km in July 2024: the sources give the "
                "month only, so valid_to 2024-07-01 is approximate."
            ),
        ),
        feature(
            wide,
            **common,
            valid_from=NETZARIM_WIDENED,
            valid_to=NETZARIM_WITHDRAWAL,
            sources=[ISW, FAJAR, _wikipedia("Netzarim Junction"), OSM_SOURCE],
            note=(
                "Israeli military zone about 4 km wide after the widening reported for July 2024 "
                "(valid_from 2024-07-01 is approximate: the sources give the month only). "
                f"{method} "
                "Israeli forces withdrew on 9 February 2025 under the January 2025 cease-fire. "
                "Salah al-Din Road at Netzarim was closed again by Israeli tanks in March 2025; "
                "that later extent is not drawn."
            ),
        ),
    ]


def _kerem_shalom(geometry: Point) -> dict[str, Any]:
    return feature(
        geometry,
        location_id="kerem-shalom-crossing",
        name="Kerem Shalom crossing",
        kind="crossing",
        accuracy_m=200,
        sources=[_wikipedia("Kerem Shalom border crossing")],
        attribution=None,
        note=(
            "Hand-placed at the Wikipedia infobox coordinate (31.22083 N, 34.27056 E), at the "
            "Gaza–Israel–Egypt tripoint; the main crossing for goods and the south-east end of the "
            "Philadelphi Corridor. Not the nearby Kibbutz Kerem Shalom."
        ),
    )


def _gaza_strip(geometry: Polygon) -> dict[str, Any]:
    return feature(
        geometry,
        location_id="gaza-strip",
        name="Gaza Strip",
        kind="region",
        role="context",
        accuracy_m=50,
        sources=[OSM_SOURCE],
        attribution=OSM_ATTRIBUTION,
        note=(
            "Context layer, not matched in articles: the OpenStreetMap outline of the Gaza Strip "
            "(about 364 km² in UTM 36N; published figure 365 km²). Three small triangular holes "
            "in the source ring (about 0.66 km² together, covered by no neighbouring outline) are "
            "packaging artefacts and are filled here."
        ),
    )


def feature(
    geometry: BaseGeometry,
    *,
    location_id: str,
    name: str,
    kind: str,
    accuracy_m: float,
    sources: list[dict[str, Any]],
    attribution: str | None,
    note: str,
    role: str = "contested",
    valid_from: str | None = None,
    valid_to: str | None = None,
) -> dict[str, Any]:
    """Return one RFC 7946 Feature with the layer schema's properties."""
    properties = {
        "location_id": location_id,
        "name": name,
        "kind": kind,
        "aliases": ALIASES[location_id],
        "valid_from": valid_from,
        "valid_to": valid_to,
        "accuracy_m": accuracy_m,
        "sources": sources,
        "attribution": attribution,
        "note": note,
        "role": role,
    }
    return {"type": "Feature", "properties": properties, "geometry": rfc7946_geometry(geometry)}


def rfc7946_geometry(geometry: BaseGeometry) -> dict[str, Any]:
    """Snap to 6 decimals, orient rings (exterior CCW, holes CW) and return GeoJSON."""
    snapped = shapely.orient_polygons(shapely.set_precision(geometry, PRECISION))
    if snapped.is_empty or not snapped.is_valid:
        raise SystemExit(f"build_layers: geometry became empty or invalid: {snapped.wkt[:80]!r}")
    _check_in_region(snapped, "output geometry")
    return _rounded(mapping(snapped))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, DECIMALS)
    if isinstance(value, (list, tuple)):
        return [_rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    return value


_NUMBER = r"-?\d+(?:\.\d+)?"
_POSITION = re.compile(rf"\[\s*({_NUMBER}),\s*({_NUMBER})\s*\]")


def dumps_collection(features: list[dict[str, Any]]) -> str:
    """Serialise a FeatureCollection: sorted keys, UTF-8 text, one position per line."""
    collection = {"type": "FeatureCollection", "features": features}
    text = json.dumps(collection, ensure_ascii=False, indent=2, sort_keys=True)
    return _POSITION.sub(r"[\1, \2]", text) + "\n"


if __name__ == "__main__":
    sys.exit(main())
