//! Photos attached to complaints. The type is read from the content, never from the name,
//! and the location a camera wrote into the file (the EXIF GPS directory, XMP, IPTC,
//! comments, images appended after the picture) is removed unless the reporter keeps it.
//! Only metadata is touched: the image data is copied as it is, never decoded, so a photo
//! looks exactly as it was taken.

/// Largest photo accepted, in bytes.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// Most photos on one report.
pub const MAX_PHOTOS: usize = 3;

/// The photo formats accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// JPEG, as phone cameras write.
    Jpeg,
    /// PNG, as screenshots are.
    Png,
}

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

impl Kind {
    /// The format the content shows, if it is one we accept.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(&PNG_SIGNATURE) {
            Some(Kind::Png)
        } else {
            None
        }
    }

    /// The media type served.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
        }
    }
}

/// Why a photo is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// The file is empty.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than [`MAX_PHOTO_BYTES`].
    #[error("the file is larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: usize,
    },
    /// The content is not a JPEG or PNG image.
    #[error("the content is not a JPEG or PNG image")]
    NotAPhoto,
    /// The content starts like a photo but its structure is broken.
    #[error("the image is damaged")]
    Damaged,
}

/// A photo made ready to store.
#[derive(Clone, Debug, PartialEq)]
pub struct Cleaned {
    /// Its format.
    pub kind: Kind,
    /// The bytes to store.
    pub bytes: Vec<u8>,
    /// Whether a location the file carried was removed.
    pub location_removed: bool,
    /// The position the camera recorded (latitude, longitude), when kept.
    pub location: Option<(f64, f64)>,
}

/// Checks a photo and, unless `keep_location`, removes where it was taken.
pub fn clean(bytes: &[u8], keep_location: bool) -> Result<Cleaned, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge { max: MAX_PHOTO_BYTES });
    }
    let kind = Kind::sniff(bytes).ok_or(PhotoError::NotAPhoto)?;
    let walked = match kind {
        Kind::Jpeg => clean_jpeg(bytes, keep_location)?,
        Kind::Png => clean_png(bytes, keep_location)?,
    };
    Ok(Cleaned {
        kind,
        bytes: walked.bytes,
        location_removed: walked.removed,
        location: walked.location.filter(|_| keep_location),
    })
}

/// What walking a file's structure gave: the bytes to keep, whether a location was removed,
/// and the position the camera wrote.
struct Walked {
    bytes: Vec<u8>,
    removed: bool,
    location: Option<(f64, f64)>,
}

fn be16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at.checked_add(2)?)?.try_into().ok()?))
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

const EXIF_HEADER: &[u8] = b"Exif\0\0";

/// Walks a JPEG's segments up to the end of the picture: EXIF loses its GPS directory, XMP,
/// IPTC and comments are dropped, and so is whatever follows the picture (phones append
/// more images there, each with metadata of its own).
fn clean_jpeg(bytes: &[u8], keep: bool) -> Result<Walked, PhotoError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..2]);
    let mut at = 2;
    let mut removed = false;
    let mut location = None;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return Err(PhotoError::Damaged);
        }
        // Fill bytes may pad a marker.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let marker = *bytes.get(at + 1).ok_or(PhotoError::Damaged)?;
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                let trailer = &bytes[at + 2..];
                if keep {
                    out.extend_from_slice(trailer);
                } else {
                    removed |= contains(trailer, EXIF_HEADER);
                }
                return Ok(Walked { bytes: out, removed, location });
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                at += 2;
                continue;
            }
            // A stuffed zero, a reserved code or a second start of image is not a segment:
            // read as one, what follows would be walked differently the next time.
            0x00 | 0x02..=0xBF | 0xD8 => return Err(PhotoError::Damaged),
            _ => {}
        }
        let length = usize::from(be16(bytes, at + 2).ok_or(PhotoError::Damaged)?);
        let end = at + 2 + length;
        if length < 2 || end > bytes.len() {
            return Err(PhotoError::Damaged);
        }
        let payload = &bytes[at + 4..end];
        match marker {
            0xDA => {
                out.extend_from_slice(&bytes[at..end]);
                at = end + entropy_coded_length(&bytes[end..]).ok_or(PhotoError::Damaged)?;
                out.extend_from_slice(&bytes[end..at]);
                continue;
            }
            0xE1 if payload.starts_with(EXIF_HEADER) => {
                let mut segment = bytes[at..end].to_vec();
                let tiff = &mut segment[4 + EXIF_HEADER.len()..];
                location = location.or_else(|| gps_position(tiff));
                if keep {
                    out.extend_from_slice(&segment);
                } else if let Some(had_gps) = strip_gps(tiff) {
                    removed |= had_gps;
                    out.extend_from_slice(&segment);
                } else {
                    // Not readable as TIFF: nothing in it can be vouched for.
                    removed = true;
                }
            }
            // APP1 (XMP and its extensions), APP13 (IPTC), comments.
            0xE1 | 0xED | 0xFE if !keep => removed |= contains(payload, b"GPS") || marker == 0xED,
            _ => out.extend_from_slice(&bytes[at..end]),
        }
        at = end;
    }
}

/// How many bytes of image data follow a start-of-scan header, up to the next marker that
/// is not a stuffed byte or a restart.
fn entropy_coded_length(data: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let found = data.get(at..)?.iter().position(|&b| b == 0xFF)?;
        at += found;
        match data.get(at + 1)? {
            0x00 | 0xD0..=0xD7 | 0xFF => at += 1,
            _ => return Some(at),
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A TIFF structure (the body of an EXIF segment), in either byte order.
struct Tiff<'a> {
    data: &'a [u8],
    little_endian: bool,
}

const GPS_DIRECTORY_TAG: u16 = 0x8825;

impl<'a> Tiff<'a> {
    fn new(data: &'a [u8]) -> Option<Tiff<'a>> {
        let little_endian = match data.get(..4)? {
            [b'I', b'I', 42, 0] => true,
            [b'M', b'M', 0, 42] => false,
            _ => return None,
        };
        Some(Tiff { data, little_endian })
    }

    fn u16_at(&self, at: usize) -> Option<u16> {
        let raw: [u8; 2] = self.data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.little_endian { u16::from_le_bytes(raw) } else { u16::from_be_bytes(raw) })
    }

    fn u32_at(&self, at: usize) -> Option<u32> {
        let raw: [u8; 4] = self.data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.little_endian { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) })
    }

    /// The entries of the directory at `at`: each entry's own offset.
    fn entries(&self, at: usize) -> Option<impl Iterator<Item = usize>> {
        let count = usize::from(self.u16_at(at)?);
        self.data.get(at + 2..at + 2 + count * 12)?;
        Some((0..count).map(move |i| at + 2 + i * 12))
    }

    fn entry(&self, directory: usize, tag: u16) -> Option<usize> {
        self.entries(directory)?.find(|&entry| self.u16_at(entry) == Some(tag))
    }

    /// Where the GPS directory is, if there is one.
    fn gps_directory(&self) -> Option<usize> {
        let first = usize::try_from(self.u32_at(4)?).ok()?;
        let entry = self.entry(first, GPS_DIRECTORY_TAG)?;
        usize::try_from(self.u32_at(entry + 8)?).ok()
    }

    /// An entry's value bytes: within the entry when they fit in four bytes, else at the
    /// offset it holds.
    fn value(&self, entry: usize) -> Option<std::ops::Range<usize>> {
        let size = value_size(self.u16_at(entry + 2)?, self.u32_at(entry + 4)?)?;
        let start = if size <= 4 { entry + 8 } else { usize::try_from(self.u32_at(entry + 8)?).ok()? };
        let range = start..start.checked_add(size)?;
        self.data.get(range.clone())?;
        Some(range)
    }

    /// A GPS coordinate: three rationals (degrees, minutes, seconds) and its reference
    /// letter, which makes it negative for south and west.
    fn coordinate(&self, directory: usize, value_tag: u16, reference_tag: u16, negative: u8) -> Option<f64> {
        let reference = self.value(self.entry(directory, reference_tag)?)?;
        let value = self.value(self.entry(directory, value_tag)?)?;
        if value.len() != 24 {
            return None;
        }
        let mut total = 0.0;
        for (i, scale) in [1.0, 60.0, 3600.0].into_iter().enumerate() {
            let numerator = f64::from(self.u32_at(value.start + i * 8)?);
            let denominator = f64::from(self.u32_at(value.start + i * 8 + 4)?);
            if denominator == 0.0 {
                return None;
            }
            total += numerator / denominator / scale;
        }
        let sign = if self.data.get(reference.start) == Some(&negative) { -1.0 } else { 1.0 };
        Some(sign * total)
    }
}

/// The size of a TIFF value of a type and count, for the types TIFF and EXIF define.
fn value_size(kind: u16, count: u32) -> Option<usize> {
    let unit = match kind {
        1 | 2 | 6 | 7 => 1,
        3 | 8 => 2,
        4 | 9 | 11 => 4,
        5 | 10 | 12 => 8,
        _ => return None,
    };
    usize::try_from(count).ok()?.checked_mul(unit)
}

/// The position in an EXIF GPS directory, when it is a real one.
fn gps_position(tiff: &[u8]) -> Option<(f64, f64)> {
    let tiff = Tiff::new(tiff)?;
    let directory = tiff.gps_directory()?;
    let lat = tiff.coordinate(directory, 2, 1, b'S')?;
    let lon = tiff.coordinate(directory, 4, 3, b'W')?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

/// Empties the GPS directory in place (its entries and the values they point at become
/// zeros), so no offset elsewhere moves. Whether it held anything; `None` when the data
/// is not a TIFF structure that can be walked safely.
fn strip_gps(data: &mut [u8]) -> Option<bool> {
    let tiff = Tiff::new(data)?;
    let first = usize::try_from(tiff.u32_at(4)?).ok()?;
    let Some(pointer) = tiff.entry(first, GPS_DIRECTORY_TAG) else {
        // A readable first directory without GPS: nothing to remove.
        return tiff.entries(first).map(|_| false);
    };
    let directory = usize::try_from(tiff.u32_at(pointer + 8)?).ok()?;
    let entries: Vec<usize> = tiff.entries(directory)?.collect();
    let mut blanks = Vec::with_capacity(entries.len() * 2 + 1);
    for &entry in &entries {
        if let Some(value) = tiff.value(entry) {
            blanks.push(value);
        }
        blanks.push(entry..entry + 12);
    }
    blanks.push(directory..directory + 2);
    for range in blanks {
        data[range].fill(0);
    }
    // A value that pointed into the header, the first directory or the GPS pointer has
    // blanked it: what is left may no longer be walked the same way, and is then dropped
    // like any unreadable structure (so cleaning it again changes nothing).
    walkable(data).then_some(!entries.is_empty())
}

/// Whether a TIFF structure's first directory and its GPS directory, if it points at one,
/// can be read.
fn walkable(data: &[u8]) -> bool {
    let walk = || -> Option<bool> {
        let tiff = Tiff::new(data)?;
        let first = usize::try_from(tiff.u32_at(4)?).ok()?;
        let mut readable = tiff.entries(first).is_some();
        if let Some(pointer) = tiff.entry(first, GPS_DIRECTORY_TAG) {
            readable &= tiff.entries(usize::try_from(tiff.u32_at(pointer + 8)?).ok()?).is_some();
        }
        Some(readable)
    };
    walk() == Some(true)
}

/// Walks a PNG's chunks to its end: EXIF and text chunks (where XMP lives) are dropped, and
/// so is anything after the end chunk.
fn clean_png(bytes: &[u8], keep: bool) -> Result<Walked, PhotoError> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&PNG_SIGNATURE);
    let mut at = PNG_SIGNATURE.len();
    let mut removed = false;
    let mut location = None;
    let mut first = true;
    loop {
        let length =
            usize::try_from(be32(bytes, at).ok_or(PhotoError::Damaged)?).map_err(|_| PhotoError::Damaged)?;
        let kind = bytes.get(at + 4..at + 8).ok_or(PhotoError::Damaged)?;
        let end = at.checked_add(12).and_then(|n| n.checked_add(length)).ok_or(PhotoError::Damaged)?;
        if end > bytes.len() || (first && kind != b"IHDR") {
            return Err(PhotoError::Damaged);
        }
        first = false;
        let data = &bytes[at + 8..end - 4];
        match kind {
            b"IEND" => {
                out.extend_from_slice(&bytes[at..end]);
                if keep {
                    out.extend_from_slice(&bytes[end..]);
                }
                return Ok(Walked { bytes: out, removed, location });
            }
            b"eXIf" => {
                location = location.or_else(|| gps_position(data));
                if keep {
                    out.extend_from_slice(&bytes[at..end]);
                } else {
                    removed |= Tiff::new(data).and_then(|t| t.gps_directory()).is_some();
                }
            }
            b"tEXt" | b"zTXt" | b"iTXt" if !keep => removed |= contains(data, b"GPS"),
            _ => out.extend_from_slice(&bytes[at..end]),
        }
        at = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A little-endian TIFF with one entry in its first directory (the GPS pointer) and a
    /// GPS directory holding a latitude and longitude.
    fn gps_tiff(lat: (u32, u32, u32), south: bool, lon: (u32, u32, u32), west: bool) -> Vec<u8> {
        let mut t = Vec::new();
        t.extend_from_slice(b"II*\0");
        t.extend_from_slice(&8u32.to_le_bytes());
        // Directory 0 at 8: one entry, then next = 0.
        t.extend_from_slice(&1u16.to_le_bytes());
        t.extend_from_slice(&GPS_DIRECTORY_TAG.to_le_bytes());
        t.extend_from_slice(&4u16.to_le_bytes());
        t.extend_from_slice(&1u32.to_le_bytes());
        t.extend_from_slice(&26u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        // GPS directory at 26: four entries (54 bytes), values from 26 + 2 + 48 + 4 = 80.
        assert_eq!(t.len(), 26);
        let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&kind.to_le_bytes());
            t.extend_from_slice(&count.to_le_bytes());
            t.extend_from_slice(&value);
        };
        t.extend_from_slice(&4u16.to_le_bytes());
        entry(&mut t, 1, 2, 2, [if south { b'S' } else { b'N' }, 0, 0, 0]);
        entry(&mut t, 2, 5, 3, 80u32.to_le_bytes());
        entry(&mut t, 3, 2, 2, [if west { b'W' } else { b'E' }, 0, 0, 0]);
        entry(&mut t, 4, 5, 3, 104u32.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        assert_eq!(t.len(), 80);
        for (d, m, s) in [lat, lon] {
            for (n, den) in [(d, 1u32), (m, 1), (s, 100)] {
                t.extend_from_slice(&n.to_le_bytes());
                t.extend_from_slice(&den.to_le_bytes());
            }
        }
        t
    }

    fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut s = vec![0xFF, marker];
        s.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
        s.extend_from_slice(payload);
        s
    }

    /// A JPEG's structure (no real picture is needed: nothing decodes it) with an EXIF
    /// segment carrying `tiff`, an XMP segment, a scan with stuffed bytes and a restart,
    /// and an appended second image.
    fn jpeg_with(tiff: &[u8]) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
        j.extend(segment(0xE1, &[EXIF_HEADER, tiff].concat()));
        j.extend(segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><exif:GPSLatitude>7,47N"));
        j.extend(segment(0xDB, &[0u8; 65]));
        j.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j.extend_from_slice(&[0xFF, 0xD8]);
        j.extend(segment(0xE1, &[EXIF_HEADER, tiff].concat()));
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    }

    fn jakarta() -> Vec<u8> {
        gps_tiff((6, 10, 4500), true, (106, 49, 3000), false)
    }

    #[test]
    fn reads_the_position_a_camera_wrote() {
        let (lat, lon) = gps_position(&jakarta()).unwrap();
        assert!((lat - -(6.0 + 10.0 / 60.0 + 45.0 / 3600.0)).abs() < 1e-9, "{lat}");
        assert!((lon - (106.0 + 49.0 / 60.0 + 30.0 / 3600.0)).abs() < 1e-9, "{lon}");
    }

    #[test]
    fn removes_the_location_and_keeps_the_picture() {
        let original = jpeg_with(&jakarta());
        let cleaned = clean(&original, false).unwrap();
        assert_eq!(cleaned.kind, Kind::Jpeg);
        assert!(cleaned.location_removed);
        assert_eq!(cleaned.location, None);
        assert!(!contains(&cleaned.bytes, b"GPSLatitude"), "XMP dropped");
        assert!(!contains(&cleaned.bytes, b"http://ns.adobe.com"));
        // The EXIF segment stays (the same length, offsets unmoved) with its GPS directory empty.
        let exif = cleaned.bytes.windows(EXIF_HEADER.len()).position(|w| w == EXIF_HEADER).unwrap();
        assert_eq!(gps_position(&cleaned.bytes[exif + EXIF_HEADER.len()..]), None);
        assert!(!contains(&cleaned.bytes, &[106, 0, 0, 0, 1, 0, 0, 0]), "degrees zeroed");
        // The picture is unchanged and the appended image is gone.
        let scan = original.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let scan_end = original.windows(2).position(|w| w == [0xFF, 0xD9]).unwrap() + 2;
        assert!(cleaned.bytes.ends_with(&original[scan..scan_end]));
        assert_eq!(Kind::sniff(&cleaned.bytes), Some(Kind::Jpeg));
        // Cleaning again finds nothing more.
        let again = clean(&cleaned.bytes, false).unwrap();
        assert!(!again.location_removed);
        assert_eq!(again.bytes, cleaned.bytes);
    }

    #[test]
    fn keeps_everything_when_asked_and_reports_the_position() {
        let original = jpeg_with(&gps_tiff((7, 47, 0), true, (110, 22, 0), false));
        let kept = clean(&original, true).unwrap();
        assert_eq!(kept.bytes, original);
        assert!(!kept.location_removed);
        let (lat, lon) = kept.location.unwrap();
        assert!((lat + 7.783_333).abs() < 1e-5 && (lon - 110.366_666).abs() < 1e-5, "{lat} {lon}");
    }

    #[test]
    fn big_endian_exif_is_read_too() {
        let little = jakarta();
        // Rewrite the same structure in Motorola order.
        let mut big = b"MM\0*".to_vec();
        big.extend_from_slice(&8u32.to_be_bytes());
        big.extend_from_slice(&1u16.to_be_bytes());
        big.extend_from_slice(&GPS_DIRECTORY_TAG.to_be_bytes());
        big.extend_from_slice(&4u16.to_be_bytes());
        big.extend_from_slice(&1u32.to_be_bytes());
        big.extend_from_slice(&26u32.to_be_bytes());
        big.extend_from_slice(&0u32.to_be_bytes());
        big.extend_from_slice(&4u16.to_be_bytes());
        for i in 0..4 {
            let e = 28 + i * 12;
            let tag = u16::from_le_bytes([little[e], little[e + 1]]);
            let kind = u16::from_le_bytes([little[e + 2], little[e + 3]]);
            big.extend_from_slice(&tag.to_be_bytes());
            big.extend_from_slice(&kind.to_be_bytes());
            big.extend_from_slice(
                &u32::from_le_bytes(little[e + 4..e + 8].try_into().unwrap()).to_be_bytes(),
            );
            if kind == 2 {
                big.extend_from_slice(&little[e + 8..e + 12]);
            } else {
                big.extend_from_slice(
                    &u32::from_le_bytes(little[e + 8..e + 12].try_into().unwrap()).to_be_bytes(),
                );
            }
        }
        big.extend_from_slice(&0u32.to_be_bytes());
        for word in little[80..].chunks(4) {
            big.extend_from_slice(&u32::from_le_bytes(word.try_into().unwrap()).to_be_bytes());
        }
        assert_eq!(gps_position(&big), gps_position(&little));
        let cleaned = clean(&jpeg_with(&big), false).unwrap();
        assert!(cleaned.location_removed);
    }

    #[test]
    fn png_loses_its_exif_and_text() {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0, 0, 0, 0]);
            c
        };
        let mut png = PNG_SIGNATURE.to_vec();
        png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]));
        png.extend(chunk(b"eXIf", &jakarta()));
        png.extend(chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<exif:GPSLatitude>"));
        png.extend(chunk(b"IDAT", &[1, 2, 3]));
        png.extend(chunk(b"IEND", &[]));
        let cleaned = clean(&png, false).unwrap();
        assert_eq!(cleaned.kind, Kind::Png);
        assert!(cleaned.location_removed);
        assert!(!contains(&cleaned.bytes, b"eXIf") && !contains(&cleaned.bytes, b"GPS"));
        assert!(contains(&cleaned.bytes, b"IDAT"));
        assert!(clean(&png, true).unwrap().location.is_some());
    }

    #[test]
    fn refuses_what_is_not_a_photo() {
        assert_eq!(clean(b"", false), Err(PhotoError::Empty));
        assert_eq!(clean(b"%PDF-1.7", false), Err(PhotoError::NotAPhoto));
        assert_eq!(clean(b"<svg onload=alert(1)>", false), Err(PhotoError::NotAPhoto));
        assert_eq!(clean(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00], false), Err(PhotoError::Damaged));
        assert_eq!(clean(&PNG_SIGNATURE, false), Err(PhotoError::Damaged));
        let huge = [&[0xFF, 0xD8, 0xFF][..], &vec![0; MAX_PHOTO_BYTES]].concat();
        assert_eq!(clean(&huge, false), Err(PhotoError::TooLarge { max: MAX_PHOTO_BYTES }));
    }

    #[test]
    fn an_unreadable_exif_segment_is_dropped_whole() {
        let mut tiff = jakarta();
        tiff[4..8].copy_from_slice(&9999u32.to_le_bytes());
        let cleaned = clean(&jpeg_with(&tiff), false).unwrap();
        assert!(cleaned.location_removed);
        assert!(!contains(&cleaned.bytes, EXIF_HEADER));
    }

    #[test]
    fn a_gps_value_over_the_header_drops_the_segment_and_cleaning_twice_changes_nothing() {
        let mut tiff = jakarta();
        // The latitude's entry (second in the GPS directory at 26) claims ten rationals at 0.
        tiff[28 + 12 + 4..28 + 12 + 8].copy_from_slice(&10u32.to_le_bytes());
        tiff[28 + 12 + 8..28 + 12 + 12].copy_from_slice(&0u32.to_le_bytes());
        let cleaned = clean(&jpeg_with(&tiff), false).unwrap();
        assert!(cleaned.location_removed && !contains(&cleaned.bytes, EXIF_HEADER));
        assert_eq!(clean(&cleaned.bytes, false).unwrap().bytes, cleaned.bytes);
    }

    #[test]
    fn a_gps_value_over_the_gps_pointer_drops_the_segment() {
        let mut tiff = jakarta();
        // The latitude's value claims the bytes 18..26, where the first directory keeps the
        // GPS directory's offset.
        tiff[28 + 12 + 4..28 + 12 + 8].copy_from_slice(&1u32.to_le_bytes());
        tiff[28 + 12 + 8..28 + 12 + 12].copy_from_slice(&18u32.to_le_bytes());
        let cleaned = clean(&jpeg_with(&tiff), false).unwrap();
        assert!(!contains(&cleaned.bytes, EXIF_HEADER));
        assert_eq!(clean(&cleaned.bytes, false).unwrap().bytes, cleaned.bytes);
    }

    #[test]
    fn a_marker_that_is_no_segment_is_damage() {
        for code in [0x00, 0x02, 0x4E, 0xBF, 0xD8] {
            let mut jpeg = vec![0xFF, 0xD8];
            jpeg.extend(segment(0xE0, b"JFIF\0\x01\x02\0\0\x01\0\x01\0\0"));
            jpeg.extend([0xFF, code, 0x00, 0x04, 0x01, 0x02, 0xFF, 0xD9]);
            assert_eq!(clean(&jpeg, false), Err(PhotoError::Damaged), "{code:#04x}");
        }
    }

    proptest! {
        #[test]
        fn never_panics_on_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..600), keep: bool) {
            for start in [&[0xFF, 0xD8, 0xFF][..], &PNG_SIGNATURE[..], &[][..]] {
                let _ = clean(&[start, &body].concat(), keep);
            }
        }

        #[test]
        fn never_panics_on_damaged_exif(flips in proptest::collection::vec((0usize..140, any::<u8>()), 1..8)) {
            let mut tiff = jakarta();
            for (at, value) in flips {
                if let Some(b) = tiff.get_mut(at) { *b = value; }
            }
            let cleaned = clean(&jpeg_with(&tiff), false).unwrap();
            let exif = cleaned.bytes.windows(EXIF_HEADER.len()).position(|w| w == EXIF_HEADER);
            if let Some(exif) = exif {
                prop_assert_eq!(gps_position(&cleaned.bytes[exif + EXIF_HEADER.len()..]), None);
            }
        }

        #[test]
        fn any_position_is_read_back_and_removed(
            lat_d in 0u32..90, lat_m in 0u32..60, south: bool,
            lon_d in 0u32..180, lon_m in 0u32..60, west: bool,
        ) {
            let original = jpeg_with(&gps_tiff((lat_d, lat_m, 0), south, (lon_d, lon_m, 0), west));
            let (lat, lon) = clean(&original, true).unwrap().location.unwrap();
            let expect_lat = (f64::from(lat_d) + f64::from(lat_m) / 60.0) * if south { -1.0 } else { 1.0 };
            let expect_lon = (f64::from(lon_d) + f64::from(lon_m) / 60.0) * if west { -1.0 } else { 1.0 };
            prop_assert!((lat - expect_lat).abs() < 1e-9 && (lon - expect_lon).abs() < 1e-9);
            let cleaned = clean(&original, false).unwrap();
            prop_assert_eq!(clean(&cleaned.bytes, true).unwrap().location, None);
        }
    }
}
