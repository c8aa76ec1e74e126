// @ts-check

/*
 * Degrees to metres around the middle of the area: a local equirectangular projection. Over a
 * community a few kilometres across its error stays far below a building's width, and it needs no
 * map service. Metres per degree of latitude and of longitude from the WGS84 ellipsoid series
 * (e.g. the NGA "Length of a degree" formulas).
 */

/** @typedef {{ x: number, y: number }} MapPoint */

/**
 * @param {number} latDeg
 */
export function metresPerDegree(latDeg) {
  const phi = (latDeg * Math.PI) / 180;
  return {
    lat: 111_132.92 - 559.82 * Math.cos(2 * phi) + 1.175 * Math.cos(4 * phi) - 0.0023 * Math.cos(6 * phi),
    lon: 111_412.84 * Math.cos(phi) - 93.5 * Math.cos(3 * phi) + 0.118 * Math.cos(5 * phi),
  };
}

/**
 * A projection centred on the given points; x grows east and y south (as on screen), in metres.
 * @param {readonly (readonly [number, number])[]} latLons
 */
export function createProjection(latLons) {
  const lats = latLons.map(([lat]) => lat);
  const lons = latLons.map(([, lon]) => lon);
  const lat0 = lats.length === 0 ? 0 : (Math.min(...lats) + Math.max(...lats)) / 2;
  const lon0 = lons.length === 0 ? 0 : (Math.min(...lons) + Math.max(...lons)) / 2;
  const scale = metresPerDegree(lat0);
  /**
   * @param {number} lat
   * @param {number} lon
   * @returns {MapPoint}
   */
  const project = (lat, lon) => ({ x: (lon - lon0) * scale.lon, y: -(lat - lat0) * scale.lat });
  const projected = latLons.map(([lat, lon]) => project(lat, lon));
  const xs = projected.map((p) => p.x);
  const ys = projected.map((p) => p.y);
  const bounds =
    projected.length === 0
      ? { minX: -100, maxX: 100, minY: -100, maxY: 100 }
      : { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) };
  return { project, bounds };
}

/**
 * A round length for a scale bar no longer than `maxMetres`.
 * @param {number} maxMetres
 */
export function scaleBarMetres(maxMetres) {
  const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];
  let chosen = steps[0] ?? 10;
  for (const step of steps) if (step <= maxMetres) chosen = step;
  return chosen;
}
