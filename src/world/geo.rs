//! Points on the Earth and the great-circle distance between them.
//!
//! Distances are computed with the haversine formula on a sphere. It is not a
//! geodesic on the ellipsoid (the error is under 0.5 %), which is far below the
//! path inflation of real networks (a factor 1.3 to 2.3), so a sphere is enough.

use serde::Serialize;

/// Mean Earth radius R1 = (2a + b) / 3 of the WGS 84 ellipsoid, in km
/// (IUGG; Moritz, "Geodetic Reference System 1980", Journal of Geodesy 74, 2000).
pub const EARTH_RADIUS_KM: f64 = 6_371.008_8;

/// A latitude and longitude in decimal degrees (north and east positive).
#[derive(Copy, Clone, Debug, PartialEq, Serialize)]
pub struct LatLon {
    pub lat_deg: f64,
    pub lon_deg: f64,
}

impl LatLon {
    /// A point; the caller has checked that `lat` is within ±90 and `lon` within ±180.
    pub const fn new(lat_deg: f64, lon_deg: f64) -> LatLon {
        LatLon { lat_deg, lon_deg }
    }

    /// The great-circle distance to `other` in km (haversine formula).
    pub fn distance_km(self, other: LatLon) -> f64 {
        let lat1 = self.lat_deg.to_radians();
        let lat2 = other.lat_deg.to_radians();
        let dlat = lat2 - lat1;
        let dlon = (other.lon_deg - self.lon_deg).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
        // min() guards asin against a rounding excess above 1 for antipodes.
        2.0 * EARTH_RADIUS_KM * a.sqrt().min(1.0).asin()
    }
}

/// Why a latitude or longitude is unusable, or `None` when it is fine.
pub fn check_lat_lon(lat_deg: f64, lon_deg: f64) -> Option<String> {
    if !lat_deg.is_finite() || !(-90.0..=90.0).contains(&lat_deg) {
        return Some(format!(
            "latitude must be a number of degrees from -90 to 90, got {lat_deg}"
        ));
    }
    if !lon_deg.is_finite() || !(-180.0..=180.0).contains(&lon_deg) {
        return Some(format!(
            "longitude must be a number of degrees from -180 to 180, got {lon_deg}"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        // London Heathrow to New York JFK is about 5,540 km great circle.
        let lhr = LatLon::new(51.4775, -0.4614);
        let jfk = LatLon::new(40.6394, -73.7793);
        let d = lhr.distance_km(jfk);
        assert!((d - 5_540.0).abs() < 15.0, "{d}");
        assert_eq!(lhr.distance_km(lhr), 0.0);
        // A quarter of a meridian: pole to equator.
        let quarter = LatLon::new(90.0, 0.0).distance_km(LatLon::new(0.0, 0.0));
        assert!((quarter - EARTH_RADIUS_KM * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
        // Antipodes do not produce NaN.
        let half = LatLon::new(0.0, 0.0).distance_km(LatLon::new(0.0, 180.0));
        assert!((half - EARTH_RADIUS_KM * std::f64::consts::PI).abs() < 1e-6);
    }

    #[test]
    fn rejects_out_of_range_and_nan() {
        assert!(check_lat_lon(91.0, 0.0).is_some());
        assert!(check_lat_lon(0.0, -180.5).is_some());
        assert!(check_lat_lon(f64::NAN, 0.0).is_some());
        assert!(check_lat_lon(0.0, f64::INFINITY).is_some());
        assert!(check_lat_lon(-90.0, 180.0).is_none());
    }
}
