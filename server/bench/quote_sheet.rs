//! How long a 200-line quote takes to recompute (`rules::money::Sheet`), the work the quote
//! editor does per key: the whole quote from its lines (opening it, a reload) and one line
//! changed (a key typed into a quantity or discount). Run in release:
//! `cargo run --release -p crm-server --example quote_sheet`. Prints medians; asserts nothing.

use std::hint::black_box;
use std::time::Instant;

use crm_server::rules::money::{LineInput, Sheet};

fn median(mut samples: Vec<u128>) -> u128 {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn main() {
    let lines: Vec<LineInput> = (0..200i64)
        .map(|i| LineInput {
            quantity: 1 + i % 13,
            unit_price: 99_999 + i * 1_237,
            discount_bp: (i * 37) % 2_500,
            tax_rate_bp: [0, 600, 900, 1_300][i as usize % 4],
        })
        .collect();
    let runs = 10_000;
    let mut whole = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let sheet = Sheet::of(black_box(lines.iter().copied()));
        black_box(sheet.totals().expect("totals"));
        whole.push(start.elapsed().as_nanos());
    }
    let mut sheet = Sheet::of(lines.iter().copied());
    let mut key = Vec::with_capacity(runs);
    for n in 0..runs {
        let i = n % lines.len();
        let mut input = lines[i];
        input.quantity = (n % 1_000) as i64;
        let start = Instant::now();
        sheet.set(black_box(i), input);
        black_box(sheet.totals().expect("totals"));
        key.push(start.elapsed().as_nanos());
    }
    println!(
        "200 lines: whole quote {} ns median, one line changed {} ns median ({} runs each)",
        median(whole),
        median(key),
        runs
    );
}
