//! The quote editor (Enter or `e` on a draft quote of the Sales screen, Enter on one in the
//! 360°, `e` on a draft quote's view, `n` in the Sales screen's or the 360°'s quotes after the
//! header's form): the quote's header, its
//! lines and its totals. `n` adds a line by product search (the replica's search: code, name,
//! pinyin), priced by the price rule the server uses (`rules::pricing::price_of_records`, for
//! the customer on today's date) and taxed at the product's rate; Enter types the chosen line's
//! quantity in place, `%` its discount; the totals follow every key by the server's rounding rule
//! (`rules::money::Sheet`: one line recomputed per key, the sums moved by its difference), so
//! what is shown offline is what the server stores. Each change is written through the outbox
//! off the UI thread (`Ctx::write_then`) with its price and tax rate, so the server keeps them.
//! `e` edits the header (customer, contact, opportunity, currency, validity) in the quote's
//! form, `d` deletes a line, `s` sends (refused at once, with the server's message, when a
//! discount is above the user's limit and no approval covers it; `A` submits it for approval),
//! `a` marks a sent quote accepted and makes its order.

use crm_server::rules::money::{self, LineInput, Sheet};
use crm_server::rules::{pricing, quotes};
use crm_server::schema::Entity;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use serde_json::{Value, json};

use crate::tui::action::Action;
use crate::tui::data::{DataError, DataSource, Record, RecordQuery, id, int, text};
use crate::tui::dialogs::{Choice, Dialog, Picker, Prompt, Purpose};
use crate::tui::draw;
use crate::tui::flows;
use crate::tui::format;
use crate::tui::input::LineInput as TextInput;
use crate::tui::keymap::Mode;
use crate::tui::screen::{Answer, Ctx, Screen, obj};
use crate::tui::theme::Role;
use crate::tui::view::View;
use crate::tui::work::{After, Loaded, Read, Write};

/// Products a search offers at most.
const PRODUCT_CHOICES: usize = 30;
/// Products the picker holds in memory at most (a price book); beyond, it searches the replica.
const CATALOGUE: usize = 5_000;
/// Price-list entries of one product read at most (the server reads as many).
const PRICE_ENTRIES: usize = 10_000;

/// What is typed in place on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Quantity,
    Discount,
}

/// A quote line as the editor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: String,
    /// "CODE name" of its product.
    pub product: String,
    pub unit: String,
    pub input: LineInput,
}

/// A value being typed into a line, and the line as it was.
#[derive(Debug, Clone, PartialEq)]
struct Typing {
    column: Column,
    text: TextInput,
    before: LineInput,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuoteEditor {
    id: String,
    pub quote: Record,
    customer: String,
    pub lines: Vec<Line>,
    pub sheet: Sheet,
    pub cursor: usize,
    typing: Option<Typing>,
    /// The user's discount limit and the discount an approval allows, as synced.
    limit_bp: i64,
    approved_bp: Option<i64>,
    /// The active products while the product picker is open.
    catalogue: Vec<Record>,
    loaded: bool,
    gone: bool,
    /// The reads in flight (the quote's; the catalogue's); older answers are dropped.
    asked: Option<u64>,
    asked_catalogue: Option<u64>,
}

/// What the editor asks the reader thread for: its quote, as the user's role sees the limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteAsk {
    pub id: String,
    pub role: crm_server::access::Role,
}

/// The quote as read off the UI thread: None when it is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct QuoteData {
    pub quote: Option<Record>,
    pub customer: String,
    pub lines: Vec<Line>,
    pub limit_bp: i64,
    pub approved_bp: Option<i64>,
}

/// Reads a quote, its customer's name, its lines with their products, the role's discount
/// limit and what approvals allow (on the reader thread; in tests wherever they like).
pub fn read(source: &dyn DataSource, ask: &QuoteAsk) -> Result<QuoteData, DataError> {
    let Some(quote) = source.get(Entity::Quotes, &ask.id)? else {
        return Ok(QuoteData {
            quote: None,
            customer: String::new(),
            lines: Vec::new(),
            limit_bp: 0,
            approved_bp: None,
        });
    };
    let customer = match text(&quote, "customer_id") {
        "" => None,
        c => source.get(Entity::Customers, c)?,
    };
    let by_quote = RecordQuery {
        filters: vec![("quote_id".into(), json!(ask.id))],
        ..RecordQuery::default()
    };
    let rows = source.records(Entity::QuoteLines, &by_quote, 0, quotes::MAX_LINES)?;
    let mut lines = Vec::with_capacity(rows.len());
    for row in &rows {
        let product = match text(row, "product_id") {
            "" => None,
            p => source.get(Entity::Products, p)?,
        };
        lines.push(Line {
            id: id(row).to_string(),
            product: product.as_ref().map(product_label).unwrap_or_default(),
            unit: product
                .as_ref()
                .map(|p| text(p, "unit").to_string())
                .unwrap_or_default(),
            input: input_of(row),
        });
    }
    let limits = source.records(Entity::DiscountLimits, &RecordQuery::default(), 0, 16)?;
    let approvals = source.records(Entity::Approvals, &by_quote, 0, 200)?;
    Ok(QuoteData {
        customer: customer
            .as_ref()
            .map(|c| text(c, "name").to_string())
            .unwrap_or_default(),
        quote: Some(quote),
        lines,
        limit_bp: quotes::limit_of_records(&limits, ask.role),
        approved_bp: quotes::approved_discount_of(&approvals),
    })
}

/// The active products a quote's picker offers (a price book, read once as the picker opens).
pub fn read_catalogue(source: &dyn DataSource) -> Result<Vec<Record>, DataError> {
    Ok(source
        .records(Entity::Products, &RecordQuery::default(), 0, CATALOGUE)?
        .into_iter()
        .filter(active)
        .collect())
}

/// A typed quantity: whole units within the field's range.
pub fn parse_quantity(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<i64>()
        .ok()
        .filter(|q| (0..=1_000_000_000).contains(q))
}

/// A typed discount in percent ("12.5", "12.5%", two decimals at most) as basis points.
pub fn parse_discount(s: &str) -> Option<i64> {
    format::parse_money(s.trim().trim_end_matches(['%', '％']))
        .filter(|bp| (0..=money::FULL_BP).contains(bp))
}

/// A line's inputs from its stored record.
fn input_of(line: &Record) -> LineInput {
    LineInput {
        quantity: int(line, "quantity").unwrap_or(1),
        unit_price: int(line, "unit_price").unwrap_or(0),
        discount_bp: int(line, "discount_bp").unwrap_or(0),
        tax_rate_bp: int(line, "tax_rate_bp").unwrap_or(0),
    }
}

fn product_label(product: &Record) -> String {
    format!("{} {}", text(product, "code"), text(product, "name"))
}

/// The price and tax rate a new line of `product` takes for the quote's customer: the
/// server's price rule over the product's price-list entries as synced. The date is the
/// server's (UTC), so a line priced around midnight agrees with it.
pub fn price_line(
    source: &dyn DataSource,
    product: &Record,
    customer: Option<&Record>,
    on: chrono::NaiveDate,
) -> Result<LineInput, crate::tui::data::DataError> {
    let entries = source.records(
        Entity::Prices,
        &RecordQuery {
            filters: vec![("product_id".into(), json!(id(product)))],
            ..RecordQuery::default()
        },
        0,
        PRICE_ENTRIES,
    )?;
    let (customer_id, level) = customer.map_or(("", None), |c| {
        (id(c), Some(text(c, "level")).filter(|l| !l.is_empty()))
    });
    let price = pricing::price_of_records(product, &entries, customer_id, level, on);
    Ok(LineInput {
        quantity: 1,
        unit_price: price.unit_price,
        discount_bp: 0,
        tax_rate_bp: int(product, "tax_rate_bp").unwrap_or(0),
    })
}

impl QuoteEditor {
    pub fn new(quote_id: &str) -> QuoteEditor {
        QuoteEditor {
            id: quote_id.to_string(),
            quote: Record::new(),
            customer: String::new(),
            lines: Vec::new(),
            sheet: Sheet::default(),
            cursor: 0,
            typing: None,
            limit_bp: 0,
            approved_bp: None,
            catalogue: Vec::new(),
            loaded: false,
            gone: false,
            asked: None,
            asked_catalogue: None,
        }
    }

    fn status(&self) -> &str {
        match text(&self.quote, "status") {
            "" => "draft",
            s => s,
        }
    }

    fn title(&self) -> String {
        match text(&self.quote, "number") {
            "" if !self.loaded => "Quote".into(),
            "" => "New quote (numbered when synced)".into(),
            n => format!("{n} r{}", int(&self.quote, "revision").unwrap_or(1)),
        }
    }

    /// Why the quote may not be changed, if it may not.
    fn locked(&self) -> Option<String> {
        (!quotes::editable(self.status())).then(|| quotes::not_editable(self.status()))
    }

    /// The largest discount on a line.
    fn largest_discount(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.input.discount_bp)
            .max()
            .unwrap_or(0)
    }

    /// Why sending would be refused for the discount, as the server says it.
    pub fn send_problem(&self) -> Option<String> {
        quotes::send_problem(self.largest_discount(), self.limit_bp, self.approved_bp)
    }

    /// Asks the reader thread for the quote; the screen keeps what it shows until it answers.
    fn ask(&mut self, ctx: &mut Ctx) {
        let request = crate::tui::list::next_request();
        self.asked = Some(request);
        let ask = QuoteAsk {
            id: self.id.clone(),
            role: ctx.me.role,
        };
        ctx.load(request, Read::Quote(ask));
    }

    /// The quote read: shown, a value still being typed kept on its line.
    fn take(&mut self, data: &QuoteData) {
        let Some(quote) = &data.quote else {
            self.gone = self.loaded;
            return;
        };
        self.quote = quote.clone();
        self.customer = data.customer.clone();
        self.lines = data.lines.clone();
        self.limit_bp = data.limit_bp;
        self.approved_bp = data.approved_bp;
        self.sheet = Sheet::of(self.lines.iter().map(|l| l.input));
        self.cursor = self.cursor.min(self.lines.len().saturating_sub(1));
        self.loaded = true;
        if let Some(t) = self.typing.clone() {
            self.retype(&t);
        }
    }

    /// The typed value laid on the chosen line and its amounts recomputed: the totals follow.
    fn retype(&mut self, typing: &Typing) {
        let Some(line) = self.lines.get_mut(self.cursor) else {
            return;
        };
        let value = typing.text.value();
        match typing.column {
            Column::Quantity => {
                line.input.quantity = parse_quantity(&value).unwrap_or(typing.before.quantity)
            }
            Column::Discount => {
                line.input.discount_bp = parse_discount(&value).unwrap_or(typing.before.discount_bp)
            }
        }
        self.sheet.set(self.cursor, line.input);
    }

    fn start_typing(&mut self, column: Column, ctx: &mut Ctx) {
        if let Some(why) = self.locked() {
            return ctx.error(why);
        }
        let Some(line) = self.lines.get(self.cursor) else {
            return ctx.error("No line yet: n adds a product");
        };
        let shown = match column {
            Column::Quantity => line.input.quantity.to_string(),
            Column::Discount => money::format_minor(line.input.discount_bp)
                .trim_end_matches("00")
                .trim_end_matches('.')
                .to_string(),
        };
        self.typing = Some(Typing {
            column,
            text: TextInput::new(&shown),
            before: line.input,
        });
    }

    /// A key while typing a line's value.
    fn type_key(&mut self, action: Action, ctx: &mut Ctx) {
        let Some(mut typing) = self.typing.take() else {
            return;
        };
        match action {
            Action::Key(key) => {
                if matches!(key.code, crossterm::event::KeyCode::Backspace)
                    && typing.text.is_empty()
                {
                    // Nothing to take back.
                } else {
                    typing.text.key(&key);
                }
                self.retype(&typing);
                self.typing = Some(typing);
            }
            Action::Cancel => {
                if let Some(line) = self.lines.get_mut(self.cursor) {
                    line.input = typing.before;
                    self.sheet.set(self.cursor, typing.before);
                }
            }
            Action::Submit | Action::NextField => {
                let value = typing.text.value();
                let (field, parsed, problem) = match typing.column {
                    Column::Quantity => (
                        "quantity",
                        parse_quantity(&value),
                        "type a whole number of units",
                    ),
                    Column::Discount => (
                        "discount_bp",
                        parse_discount(&value),
                        "type a discount from 0 to 100 (%), two decimals at most",
                    ),
                };
                let Some(parsed) = parsed else {
                    ctx.error(problem);
                    self.typing = Some(typing);
                    return;
                };
                self.retype(&typing);
                let Some(line) = self.lines.get(self.cursor) else {
                    return;
                };
                if let Err(e) = money::line(line.input) {
                    ctx.error(e);
                    self.typing = Some(typing);
                    return;
                }
                if line.input != typing.before {
                    ctx.write_then(
                        Write::Update {
                            entity: Entity::QuoteLines,
                            id: line.id.clone(),
                            patch: obj(json!({ field: parsed })),
                        },
                        After::Say {
                            done: format!("Saved {}", crate::text::sanitize(&line.product)),
                            refused: "line not saved: ".into(),
                        },
                    );
                }
                // Tab goes on to the discount of the same line.
                if action == Action::NextField && typing.column == Column::Quantity {
                    self.start_typing(Column::Discount, ctx);
                }
            }
            _ => self.typing = Some(typing),
        }
    }

    /// `n`: a product search whose choice becomes a line.
    fn pick_product(&mut self, ctx: &mut Ctx) {
        if let Some(why) = self.locked() {
            return ctx.error(why);
        }
        if self.lines.len() >= quotes::MAX_LINES {
            return ctx.error(format!(
                "a quote holds at most {} lines; start another quote",
                quotes::MAX_LINES
            ));
        }
        // The picker opens at once; its choices come with the catalogue, read off the UI
        // thread, filtered by whatever has been typed by then.
        ctx.open(Dialog::Picker(Picker::dynamic(
            "Add a product (code, name or pinyin)",
            Purpose::QuoteProduct(self.id.clone()),
        )));
        let request = crate::tui::list::next_request();
        self.asked_catalogue = Some(request);
        ctx.load(request, Read::QuoteCatalogue);
    }

    /// The chosen product as a new line, priced and shown at once, its quantity typed next.
    fn add_line(&mut self, product_id: &str, ctx: &mut Ctx) {
        let found = (|| {
            let product = ctx.source.get(Entity::Products, product_id)?;
            let customer = match text(&self.quote, "customer_id") {
                "" => None,
                c => ctx.source.get(Entity::Customers, c)?,
            };
            Ok::<_, crate::tui::data::DataError>((product, customer))
        })();
        let (product, customer) = match found {
            Ok((Some(p), c)) => (p, c),
            Ok((None, _)) => return ctx.error("That product is no longer in your replica"),
            Err(e) => return ctx.error(e),
        };
        let input = match price_line(
            &*ctx.source,
            &product,
            customer.as_ref(),
            ctx.now.date_naive(),
        ) {
            Ok(i) => i,
            Err(e) => return ctx.error(e),
        };
        let line_id = uuid::Uuid::now_v7().hyphenated().to_string();
        let body = json!({
            "id": line_id, "quote_id": self.id, "product_id": id(&product),
            "quantity": input.quantity, "unit_price": input.unit_price,
            "discount_bp": input.discount_bp, "tax_rate_bp": input.tax_rate_bp,
        });
        ctx.write_then(
            Write::Create {
                entity: Entity::QuoteLines,
                body: obj(body),
                allow_duplicate: false,
            },
            After::Say {
                done: format!("Added {}", crate::text::sanitize(&product_label(&product))),
                refused: "line not added: ".into(),
            },
        );
        self.lines.push(Line {
            id: line_id,
            product: product_label(&product),
            unit: text(&product, "unit").to_string(),
            input,
        });
        self.sheet.push(input);
        self.cursor = self.lines.len() - 1;
        self.start_typing(Column::Quantity, ctx);
    }

    /// `s`: sent, unless the rules say why not (the server's own messages).
    fn send(&mut self, ctx: &mut Ctx) {
        if let Err(r) = quotes::transition(self.status(), "sent") {
            return ctx.error(r.message);
        }
        if self.lines.is_empty() {
            return ctx.error("add a line before sending the quote");
        }
        if let Some(why) = self.send_problem() {
            return ctx.error(format!("{why} (A submits it)"));
        }
        self.move_to("sent", format!("Sent {}", self.title()), ctx);
    }

    /// `a`: a sent quote accepted, and its order made from it.
    fn accept(&mut self, ctx: &mut Ctx) {
        if let Err(r) = quotes::transition(self.status(), "accepted") {
            return ctx.error(r.message);
        }
        if let Some(until) = crate::tui::data::date(&self.quote, "valid_until")
            && until < ctx.now.date_naive()
        {
            return ctx.error(format!(
                "this quote was valid until {until}; mark it expired and revise it"
            ));
        }
        self.move_to("accepted", format!("Accepted {}", self.title()), ctx);
        let order = json!({
            "id": uuid::Uuid::now_v7().hyphenated().to_string(),
            "quote_id": self.id,
        });
        ctx.write_then(
            Write::Create {
                entity: Entity::Orders,
                body: obj(order),
                allow_duplicate: false,
            },
            After::Say {
                done: format!("Order made from {}", self.title()),
                refused: "no order made: ".into(),
            },
        );
    }

    fn move_to(&mut self, status: &str, done: String, ctx: &mut Ctx) {
        ctx.write_then(
            Write::Update {
                entity: Entity::Quotes,
                id: self.id.clone(),
                patch: obj(json!({ "status": status })),
            },
            After::Say {
                done,
                refused: format!("not {status}: "),
            },
        );
        self.quote.insert("status".into(), json!(status));
    }

    fn ask_approval(&mut self, ctx: &mut Ctx) {
        let p = Prompt::new(
            format!("Submit {} for approval", self.title()),
            "Note",
            Purpose::RequestApproval {
                entity: Entity::Quotes,
                id: self.id.clone(),
            },
        )
        .hint("for the approver; may be empty");
        ctx.open(Dialog::Prompt(p));
    }

    fn delete_line(&mut self, ctx: &mut Ctx) {
        if let Some(why) = self.locked() {
            return ctx.error(why);
        }
        if let Some(line) = self.lines.get(self.cursor) {
            let (line_id, what) = (line.id.clone(), line.product.clone());
            ctx.confirm_delete(Entity::QuoteLines, &line_id, &what);
        }
    }
}

/// The products matching what is typed in the product picker on top, active ones only, by
/// code, name or category, Chinese names by their pinyin too (`list::passes`, as the search
/// index spells them). A price book is small: it is read once when the picker opens
/// (`catalogue`) and filtered in memory per key; one larger than `CATALOGUE` is searched in the
/// replica per key instead (plain text, no pinyin).
fn query_products(catalogue: &[Record], filter: &str, ctx: &mut Ctx) {
    let found = if catalogue.len() < CATALOGUE {
        Ok(catalogue
            .iter()
            .filter(|p| {
                crate::tui::list::passes(
                    filter,
                    &[text(p, "code"), text(p, "name"), text(p, "category")],
                )
            })
            .take(PRODUCT_CHOICES)
            .cloned()
            .collect::<Vec<_>>())
    } else {
        let query = RecordQuery {
            search: filter.trim().to_string(),
            ..RecordQuery::default()
        };
        ctx.source
            .records(Entity::Products, &query, 0, PRODUCT_CHOICES * 2)
            .map(|rows| {
                rows.into_iter()
                    .filter(active)
                    .take(PRODUCT_CHOICES)
                    .collect()
            })
    };
    match found {
        Ok(rows) => {
            let choices = rows
                .iter()
                .map(|p| {
                    Choice::new(
                        id(p),
                        product_label(p),
                        format!(
                            "{} / {}",
                            format::money(int(p, "list_price").unwrap_or(0)),
                            text(p, "unit")
                        ),
                    )
                })
                .collect();
            if let Some(Dialog::Picker(p)) = ctx.dialogs.last_mut() {
                p.set_choices(choices);
            }
        }
        Err(e) => ctx.error(e),
    }
}

fn active(product: &Record) -> bool {
    product.get("active") != Some(&Value::Bool(false))
}

impl Screen for QuoteEditor {
    fn reload(&mut self, ctx: &mut Ctx) {
        self.ask(ctx);
    }

    fn loaded(&mut self, request: u64, data: &Result<Loaded, DataError>, ctx: &mut Ctx) {
        if self.asked == Some(request) {
            self.asked = None;
            match data {
                Ok(Loaded::Quote(d)) => self.take(d),
                Ok(_) => {}
                Err(e) => ctx.error(e),
            }
        } else if self.asked_catalogue == Some(request) {
            self.asked_catalogue = None;
            match data {
                Ok(Loaded::QuoteCatalogue(products)) => {
                    self.catalogue = products.to_vec();
                    let typed = match ctx.dialogs.last() {
                        Some(Dialog::Picker(p))
                            if matches!(p.purpose, Purpose::QuoteProduct(_)) =>
                        {
                            Some(p.filter.value())
                        }
                        _ => None,
                    };
                    if let Some(typed) = typed {
                        query_products(&self.catalogue, &typed, ctx);
                    }
                }
                Ok(_) => {}
                Err(e) => ctx.error(e),
            }
        }
    }

    fn handle(&mut self, action: Action, ctx: &mut Ctx) {
        if self.typing.is_some() {
            return self.type_key(action, ctx);
        }
        let len = self.lines.len();
        match action {
            Action::Down => self.cursor = (self.cursor + 1).min(len.saturating_sub(1)),
            Action::Up => self.cursor = self.cursor.saturating_sub(1),
            Action::Top => self.cursor = 0,
            Action::Bottom => self.cursor = len.saturating_sub(1),
            Action::Open | Action::Quantity => self.start_typing(Column::Quantity, ctx),
            Action::Discount => self.start_typing(Column::Discount, ctx),
            Action::New => self.pick_product(ctx),
            Action::Delete => self.delete_line(ctx),
            Action::Edit => {
                if let Some(why) = self.locked() {
                    return ctx.error(why);
                }
                let form = ctx.form(
                    &format!("Edit {}", self.title()),
                    Entity::Quotes,
                    Purpose::Edit(Entity::Quotes, self.id.clone()),
                    Some(&self.quote.clone()),
                    Record::new(),
                );
                ctx.open(Dialog::Form(form));
            }
            Action::SendQuote => self.send(ctx),
            Action::AcceptQuote => self.accept(ctx),
            Action::RequestApproval => self.ask_approval(ctx),
            Action::CopyId => ctx.copy_id(&self.id.clone()),
            Action::Back => ctx.back(),
            _ => {}
        }
    }

    fn answer(&mut self, purpose: Purpose, answer: Answer, ctx: &mut Ctx) {
        match (purpose, answer) {
            (Purpose::QuoteProduct(_), Answer::Query(filter)) => {
                query_products(&self.catalogue, &filter, ctx)
            }
            (Purpose::QuoteProduct(_), Answer::Picked(choice)) => {
                self.catalogue = Vec::new();
                self.add_line(&choice.value, ctx)
            }
            (Purpose::RequestApproval { id: quote, .. }, Answer::Text(note)) => {
                ctx.close();
                let mut body = json!({ "quote_id": quote });
                if !note.trim().is_empty() {
                    body["note"] = json!(note.trim());
                }
                ctx.write_then(
                    Write::Create {
                        entity: Entity::Approvals,
                        body: obj(body),
                        allow_duplicate: false,
                    },
                    After::Say {
                        done: "Submitted for approval; it is locked until decided".into(),
                        refused: "not submitted: ".into(),
                    },
                );
            }
            (purpose, answer) => flows::answer(purpose, answer, ctx),
        }
    }

    fn render(&self, buf: &mut Buffer, area: Rect, view: &View) {
        let theme = view.theme;
        let title = format!(
            "{} · {} · {}",
            self.title(),
            self.status(),
            crate::text::sanitize(&self.customer)
        );
        let inner = draw::panel(buf, area, &title, theme, true);
        if inner.height < 4 {
            return;
        }
        let muted = theme.style(Role::Muted);
        let plain = theme.style(Role::Text);
        let header = format!(
            "{}  ·  {}  ·  valid until {}",
            crate::text::sanitize(text(&self.quote, "subject")),
            match text(&self.quote, "currency") {
                "" => "CNY",
                c => c,
            },
            match text(&self.quote, "valid_until") {
                "" => "—",
                d => d,
            }
        );
        draw::put(buf, inner.x, inner.y, inner.width, &header, muted);
        // Columns: product, quantity, unit price, discount, tax rate, net.
        let head = ["Product", "Qty", "Unit price", "Disc.", "Tax", "Net"];
        let mut cells: Vec<(u16, &str, ratatui::style::Style)> = Vec::new();
        let fixed = [8u16, 14, 8, 6, 15];
        let product_w = inner.width.saturating_sub(fixed.iter().sum()).max(10);
        cells.push((product_w, head[0], muted));
        for (w, h) in fixed.iter().zip(&head[1..]) {
            cells.push((*w, h, muted));
        }
        draw::columns(buf, inner.x, inner.y + 1, &cells);
        let body = Rect {
            y: inner.y + 2,
            height: inner.height.saturating_sub(4),
            ..inner
        };
        if self.lines.is_empty() {
            let note = if self.loaded {
                "no lines yet: n adds a product"
            } else {
                "reading…"
            };
            draw::empty_note(buf, body, note, theme);
        }
        let height = usize::from(body.height);
        let scroll = (self.cursor + 1).saturating_sub(height);
        for (row, line) in self.lines.iter().enumerate().skip(scroll).take(height) {
            let selected = row == self.cursor;
            let y = draw::list_row(buf, body, row - scroll, selected, theme);
            let style = |r: Role| crate::tui::panes::cell_style(theme, r, selected);
            let typed = |column: Column, shown: String| match &self.typing {
                Some(t) if selected && t.column == column => format!("{}▏", t.text.value()),
                _ => shown,
            };
            let quantity = typed(Column::Quantity, line.input.quantity.to_string());
            let discount = typed(Column::Discount, quotes::percent(line.input.discount_bp));
            let (net, net_role) = match self.sheet.line(row) {
                Some(Ok(a)) => (format::money(a.net), Role::Text),
                Some(Err(e)) => (e.to_string(), Role::Danger),
                None => (String::new(), Role::Text),
            };
            let price = format::money(line.input.unit_price);
            let tax = quotes::percent(line.input.tax_rate_bp);
            let product = crate::text::sanitize(&line.product);
            draw::columns(
                buf,
                body.x,
                y,
                &[
                    (product_w, &product, style(Role::Text)),
                    (8, &quantity, style(Role::Accent)),
                    (14, &price, style(Role::Text)),
                    (8, &discount, style(Role::Accent)),
                    (6, &tax, style(Role::Muted)),
                    (15, &net, style(net_role)),
                ],
            );
        }
        let totals_y = inner.y + inner.height - 2;
        let totals = match self.sheet.totals() {
            Ok(t) => format!(
                "{} lines   Subtotal {}   Tax {}   Total {}",
                self.lines.len(),
                format::money(t.subtotal),
                format::money(t.tax),
                format::money(t.total)
            ),
            Err(e) => format!("Totals: {e}"),
        };
        draw::put_right(buf, inner.x, totals_y, inner.width, &totals, plain);
        let note = match (self.send_problem(), self.locked()) {
            (_, Some(why)) => Some((why, Role::Muted)),
            (Some(why), None) => Some((why, Role::Danger)),
            (None, None) => None,
        };
        if let Some((note, role)) = note {
            draw::put(
                buf,
                inner.x,
                totals_y + 1,
                inner.width,
                &note,
                theme.style(role),
            );
        }
    }

    fn mode(&self) -> Mode {
        Mode::QuoteEditor
    }

    fn crumb(&self) -> String {
        self.title()
    }

    fn typing(&self) -> bool {
        self.typing.is_some()
    }

    fn cursor(&self, _area: Rect) -> Option<Position> {
        None
    }

    fn gone(&self) -> bool {
        self.gone
    }

    fn entity(&self) -> Option<Entity> {
        Some(Entity::QuoteLines)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_quantities_and_discounts_read_as_the_fields_allow() {
        assert_eq!(parse_quantity("12"), Some(12));
        assert_eq!(parse_quantity(" 0 "), Some(0));
        assert_eq!(parse_quantity("1.5"), None);
        assert_eq!(parse_quantity("-1"), None);
        assert_eq!(parse_quantity("1000000001"), None);
        assert_eq!(parse_discount("12.5"), Some(1_250));
        assert_eq!(parse_discount("7%"), Some(700));
        assert_eq!(parse_discount("100"), Some(10_000));
        assert_eq!(parse_discount("100.01"), None);
        assert_eq!(parse_discount("1.255"), None);
        assert_eq!(parse_discount("abc"), None);
    }
}
