//! Money on quotes and opportunity lines: the one rounding rule, stated here and nowhere else.
//!
//! Amounts are integer minor units (fen, cents), quantities whole units, discounts and tax rates
//! basis points (1 bp = 0.01 %, 10 000 bp = 100 %). The rule:
//!
//! 1. a line's **net** = round_half_even(quantity × unit price × (10 000 − discount) / 10 000);
//! 2. a line's **tax** = round_half_even(net × tax rate / 10 000), rounded per line;
//! 3. a document's **subtotal** = Σ nets, its **tax** = Σ line taxes, its **total** = subtotal +
//!    tax. Totals are sums of rounded lines and are never rounded again.
//!
//! Intermediate products are `i128`, checked; a result beyond `i64` is refused, never wrapped.

use std::fmt;

/// 100 % in basis points.
pub const FULL_BP: i64 = 10_000;

/// One line's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: i64,
    /// Minor units per unit.
    pub unit_price: i64,
    /// Basis points off the line's gross, 0..=10 000.
    pub discount_bp: i64,
    /// Basis points of tax on the net, 0..=10 000.
    pub tax_rate_bp: i64,
}

/// One line's amounts, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LineAmounts {
    pub net: i64,
    pub tax: i64,
}

/// A document's amounts, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
}

/// Why an amount cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    /// A quantity, price, discount or rate outside what the rule accepts.
    OutOfRange(&'static str),
    /// The amount does not fit in 64 bits.
    TooLarge,
}

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoneyError::OutOfRange(what) => write!(f, "{what} is out of range"),
            MoneyError::TooLarge => write!(f, "the amount is too large; split the line"),
        }
    }
}

impl std::error::Error for MoneyError {}

/// `numerator / denominator` rounded half to even (banker's rounding); `denominator` > 0.
pub fn div_round_half_even(numerator: i128, denominator: i128) -> i128 {
    let quotient = numerator.div_euclid(denominator);
    let remainder = numerator.rem_euclid(denominator);
    let twice = remainder * 2;
    if twice > denominator || (twice == denominator && quotient % 2 != 0) {
        quotient + 1
    } else {
        quotient
    }
}

fn fits(value: i128) -> Result<i64, MoneyError> {
    i64::try_from(value).map_err(|_| MoneyError::TooLarge)
}

/// A line's net and tax by the rule above.
pub fn line(input: LineInput) -> Result<LineAmounts, MoneyError> {
    if input.quantity < 0 {
        return Err(MoneyError::OutOfRange("quantity"));
    }
    if input.unit_price < 0 {
        return Err(MoneyError::OutOfRange("unit price"));
    }
    if !(0..=FULL_BP).contains(&input.discount_bp) {
        return Err(MoneyError::OutOfRange("discount"));
    }
    if !(0..=FULL_BP).contains(&input.tax_rate_bp) {
        return Err(MoneyError::OutOfRange("tax rate"));
    }
    // Checked: the largest quantity times the largest price times 10 000 passes even i128.
    let scaled = i128::from(input.quantity)
        .checked_mul(i128::from(input.unit_price))
        .and_then(|gross| gross.checked_mul(i128::from(FULL_BP - input.discount_bp)))
        .ok_or(MoneyError::TooLarge)?;
    let net = div_round_half_even(scaled, i128::from(FULL_BP));
    // The net fits i64 before its tax (at most 100 % of it) is taken.
    fits(net)?;
    let tax = div_round_half_even(net * i128::from(input.tax_rate_bp), i128::from(FULL_BP));
    Ok(LineAmounts {
        net: fits(net)?,
        tax: fits(tax)?,
    })
}

/// A document's totals: the sums of its rounded lines.
pub fn totals(lines: impl IntoIterator<Item = LineAmounts>) -> Result<Totals, MoneyError> {
    let (mut subtotal, mut tax) = (0i128, 0i128);
    for l in lines {
        subtotal += i128::from(l.net);
        tax += i128::from(l.tax);
    }
    Ok(Totals {
        subtotal: fits(subtotal)?,
        tax: fits(tax)?,
        total: fits(subtotal + tax)?,
    })
}

/// A document's lines and totals kept as lines change: setting one line recomputes that line
/// alone (by [`line`]) and moves the sums by its difference, so a 200-line quote edited key by
/// key costs one line's arithmetic per key. Its totals are always what [`totals`] makes of the
/// same lines: the sums of the rounded lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    lines: Vec<Result<LineAmounts, MoneyError>>,
    subtotal: i128,
    tax: i128,
}

impl Sheet {
    /// A sheet of these lines.
    pub fn of(inputs: impl IntoIterator<Item = LineInput>) -> Sheet {
        let mut sheet = Sheet::default();
        for input in inputs {
            sheet.push(input);
        }
        sheet
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn add(&mut self, amounts: &Result<LineAmounts, MoneyError>, sign: i128) {
        if let Ok(a) = amounts {
            self.subtotal += sign * i128::from(a.net);
            self.tax += sign * i128::from(a.tax);
        }
    }

    /// A line added at the end.
    pub fn push(&mut self, input: LineInput) {
        let amounts = line(input);
        self.add(&amounts, 1);
        self.lines.push(amounts);
    }

    /// Line `index` changed to `input`; nothing when there is no such line.
    pub fn set(&mut self, index: usize, input: LineInput) {
        let Some(old) = self.lines.get(index).cloned() else {
            return;
        };
        self.add(&old, -1);
        let amounts = line(input);
        self.add(&amounts, 1);
        self.lines[index] = amounts;
    }

    /// Line `index` taken out.
    pub fn remove(&mut self, index: usize) {
        if index < self.lines.len() {
            let old = self.lines.remove(index);
            self.add(&old, -1);
        }
    }

    /// Line `index`'s amounts, or why they cannot be computed.
    pub fn line(&self, index: usize) -> Option<&Result<LineAmounts, MoneyError>> {
        self.lines.get(index)
    }

    /// The totals, or the first line's error when a line cannot be computed.
    pub fn totals(&self) -> Result<Totals, MoneyError> {
        if let Some(Err(e)) = self.lines.iter().find(|l| l.is_err()) {
            return Err(e.clone());
        }
        Ok(Totals {
            subtotal: fits(self.subtotal)?,
            tax: fits(self.tax)?,
            total: fits(self.subtotal + self.tax)?,
        })
    }
}

/// Minor units written plainly for a message: `12345` → `123.45`.
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(quantity: i64, unit_price: i64, discount_bp: i64, tax_rate_bp: i64) -> LineInput {
        LineInput {
            quantity,
            unit_price,
            discount_bp,
            tax_rate_bp,
        }
    }

    #[test]
    fn minor_units_read_as_decimals() {
        assert_eq!(format_minor(12_345), "123.45");
        assert_eq!(format_minor(5), "0.05");
        assert_eq!(format_minor(-100), "-1.00");
    }

    #[test]
    fn halves_round_to_even_both_ways() {
        assert_eq!(div_round_half_even(5, 2), 2);
        assert_eq!(div_round_half_even(7, 2), 4);
        assert_eq!(div_round_half_even(-5, 2), -2);
        assert_eq!(div_round_half_even(-7, 2), -4);
        assert_eq!(div_round_half_even(26, 10), 3);
        assert_eq!(div_round_half_even(24, 10), 2);
        assert_eq!(div_round_half_even(25, 10), 2);
        assert_eq!(div_round_half_even(35, 10), 4);
        assert_eq!(div_round_half_even(0, 7), 0);
    }

    #[test]
    fn a_line_rounds_its_net_then_its_tax() {
        // 3 × 0.35 at 50 % off = 0.525 → 0.52 (half to even); 13 % tax of 52 = 6.76 → 7.
        assert_eq!(
            line(input(3, 35, 5_000, 1_300)).unwrap(),
            LineAmounts { net: 52, tax: 7 }
        );
        // 1 × 0.15 at 50 % off = 0.075 → 0.08 (7.5 rounds to the even 8).
        assert_eq!(line(input(1, 15, 5_000, 0)).unwrap().net, 8);
        // No discount, no tax: the gross exactly.
        assert_eq!(
            line(input(7, 1_999, 0, 0)).unwrap(),
            LineAmounts {
                net: 13_993,
                tax: 0
            }
        );
        // 100 % off: nothing, and no tax on nothing.
        assert_eq!(
            line(input(9, 12_345, FULL_BP, 1_300)).unwrap(),
            LineAmounts::default()
        );
        // Quantity zero is a line of nothing.
        assert_eq!(line(input(0, 500, 0, 600)).unwrap(), LineAmounts::default());
        // 6 % of 1.25: 0.075 → 0.08.
        assert_eq!(line(input(1, 125, 0, 600)).unwrap().tax, 8);
        // 6 % of 1.75: 0.105 → 0.10.
        assert_eq!(line(input(1, 175, 0, 600)).unwrap().tax, 10);
    }

    #[test]
    fn totals_are_sums_of_rounded_lines_not_a_rounded_sum() {
        // Three lines of 0.005 tax each: rounded per line they are 0 each (half to even), where
        // a rounded sum would be 0.02 (1.5 fen → 2).
        let l = line(input(1, 5, 0, 1_000)).unwrap();
        assert_eq!(l, LineAmounts { net: 5, tax: 0 });
        let t = totals([l, l, l]).unwrap();
        assert_eq!(
            t,
            Totals {
                subtotal: 15,
                tax: 0,
                total: 15
            }
        );
    }

    #[test]
    fn many_lines_with_discounts_and_tax_agree_with_exact_arithmetic() {
        // Every line checked against the rule done in exact rationals (numerator/denominator,
        // rounded half to even by hand), on 2 000 varied lines.
        let mut lines = Vec::new();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = |m: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % m) as i64
        };
        let (mut subtotal, mut tax) = (0i64, 0i64);
        for _ in 0..2_000 {
            let i = input(next(1_000), next(10_000_000), next(10_001), next(2_001));
            let got = line(i).unwrap();
            // Exact: the gross times the kept share, in 1/10 000ths of a fen.
            let scaled = i128::from(i.quantity)
                * i128::from(i.unit_price)
                * i128::from(FULL_BP - i.discount_bp);
            let (q, r) = (scaled / 10_000, scaled % 10_000);
            let net = q + i128::from(r > 5_000 || (r == 5_000 && q % 2 == 1));
            assert_eq!(i128::from(got.net), net, "{i:?}");
            let scaled_tax = net * i128::from(i.tax_rate_bp);
            let (q, r) = (scaled_tax / 10_000, scaled_tax % 10_000);
            let line_tax = q + i128::from(r > 5_000 || (r == 5_000 && q % 2 == 1));
            assert_eq!(i128::from(got.tax), line_tax, "{i:?}");
            assert!(got.net <= i.quantity * i.unit_price);
            subtotal += got.net;
            tax += got.tax;
            lines.push(got);
        }
        let t = totals(lines).unwrap();
        assert_eq!(
            (t.subtotal, t.tax, t.total),
            (subtotal, tax, subtotal + tax)
        );
    }

    #[test]
    fn out_of_range_inputs_and_overflow_are_refused() {
        assert_eq!(
            line(input(-1, 100, 0, 0)),
            Err(MoneyError::OutOfRange("quantity"))
        );
        assert_eq!(
            line(input(1, -100, 0, 0)),
            Err(MoneyError::OutOfRange("unit price"))
        );
        assert_eq!(
            line(input(1, 100, 10_001, 0)),
            Err(MoneyError::OutOfRange("discount"))
        );
        assert_eq!(
            line(input(1, 100, 0, -1)),
            Err(MoneyError::OutOfRange("tax rate"))
        );
        assert_eq!(
            line(input(i64::MAX, i64::MAX, 0, 0)),
            Err(MoneyError::TooLarge)
        );
        let big = LineAmounts {
            net: i64::MAX,
            tax: 0,
        };
        assert_eq!(totals([big, big]), Err(MoneyError::TooLarge));
    }

    #[test]
    fn a_sheet_edited_line_by_line_keeps_the_totals_of_its_lines() {
        let mut inputs: Vec<LineInput> = (0..200)
            .map(|i| {
                input(
                    1 + i % 7,
                    999 + i * 37,
                    (i * 13) % 3_000,
                    [0, 600, 1_300][i as usize % 3],
                )
            })
            .collect();
        let mut sheet = Sheet::of(inputs.iter().copied());
        let whole =
            |inputs: &[LineInput]| totals(inputs.iter().map(|i| line(*i).unwrap())).unwrap();
        assert_eq!(sheet.totals().unwrap(), whole(&inputs));
        for (i, q) in [(0, 5), (17, 0), (199, 123), (17, 4)] {
            inputs[i].quantity = q;
            inputs[i].discount_bp = (q * 250) % 10_000;
            sheet.set(i, inputs[i]);
            assert_eq!(sheet.totals().unwrap(), whole(&inputs), "after line {i}");
        }
        sheet.remove(3);
        inputs.remove(3);
        assert_eq!(sheet.totals().unwrap(), whole(&inputs));
        // A line out of range makes the totals an error until it is mended.
        sheet.set(5, input(1, 100, 10_001, 0));
        assert_eq!(sheet.totals(), Err(MoneyError::OutOfRange("discount")));
        sheet.set(5, inputs[5]);
        assert_eq!(sheet.totals().unwrap(), whole(&inputs));
    }
}
