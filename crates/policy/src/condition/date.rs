//! Date values: ISO 8601 (`2024-01-31`, `2024-01-31T12:00:00Z`, with a fraction or an offset)
//! or epoch seconds (`1706702400`), as milliseconds since the epoch.

/// Parses a date condition value or request value.
pub(crate) fn parse_timestamp(text: &str) -> Option<i64> {
    let text = text.trim();
    match text.parse::<f64>() {
        Ok(seconds) => seconds.is_finite().then(|| (seconds * 1000.0).round() as i64),
        Err(_) => parse_iso8601(text),
    }
}

fn parse_iso8601(text: &str) -> Option<i64> {
    let (date, time) = match text.find(['T', 't']) {
        Some(at) => (&text[..at], &text[at + 1..]),
        None => (text, ""),
    };
    let mut fields = date.split('-');
    let year: i64 = number(fields.next()?, 4)?;
    let month: i64 = number(fields.next()?, 2)?;
    let day: i64 = number(fields.next()?, 2)?;
    if fields.next().is_some() || !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let (clock, offset_minutes) = split_zone(time)?;
    let mut millis_of_day = 0;
    if !clock.is_empty() {
        let (hms, fraction) = clock.split_once('.').unwrap_or((clock, ""));
        let mut parts = hms.split(':');
        let hour: i64 = number(parts.next()?, 2)?;
        let minute: i64 = number(parts.next()?, 2)?;
        let second: i64 = parts.next().map_or(Some(0), |s| number(s, 2))?;
        if parts.next().is_some() || hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let millis: i64 = format!("{fraction:0<3}")[..3].parse().ok()?;
        millis_of_day = ((hour * 60 + minute) * 60 + second) * 1000 + millis;
    }
    Some(days_from_civil(year, month, day) * 86_400_000 + millis_of_day - offset_minutes * 60_000)
}

/// Splits `hh:mm:ss[.f](Z|±hh[:mm])` into the clock and the offset in minutes (none means UTC).
fn split_zone(time: &str) -> Option<(&str, i64)> {
    if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    let Some(at) = time.rfind(['+', '-']) else { return Some((time, 0)) };
    let sign = if time[at..].starts_with('-') { -1 } else { 1 };
    let zone = time[at + 1..].replace(':', "");
    let (hours, minutes) = match zone.len() {
        2 => (number(&zone, 2)?, 0),
        4 => (number(&zone[..2], 2)?, number(&zone[2..], 2)?),
        _ => return None,
    };
    Some((&time[..at], sign * (hours * 60 + minutes)))
}

fn number(text: &str, digits: usize) -> Option<i64> {
    (text.len() == digits && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_and_epoch_seconds_agree() {
        let epoch = parse_timestamp("1706702400").unwrap();
        assert_eq!(parse_timestamp("2024-01-31T12:00:00Z"), Some(epoch));
        assert_eq!(parse_timestamp("2024-01-31T13:30:00+01:30"), Some(epoch));
        assert_eq!(parse_timestamp("2024-01-31T12:00:00.000Z"), Some(epoch));
        assert_eq!(parse_timestamp("2024-01-31T12:00Z"), Some(epoch));
        assert_eq!(parse_timestamp("2024-01-31"), Some(epoch - 12 * 3_600_000));
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("2024-01-31T12:00:00.5Z"), Some(epoch + 500));
    }

    #[test]
    fn invalid_dates_are_rejected() {
        for text in ["2024-02-30", "2024-13-01", "yesterday", "2024-01-31T25:00:00Z", "2024-01-31T12:00:00+1"] {
            assert_eq!(parse_timestamp(text), None, "{text}");
        }
        assert!(parse_timestamp("2024-02-29").is_some());
    }
}
