//! Sales to cash, after the quote: orders and their lines, warehouses and stock, payment plans,
//! their instalments and the payments received (seeds 000 §3.4 销售订单管理 and 回款管理, §3.6
//! 库存管理; 003 订单捕捉).

use super::{Default, Descriptor, Entity, Field, Kind, describe, f};

/// An order's status; the moves between them are `rules::orders::transition`'s.
pub const ORDER_STATUSES: &[&str] = &crate::rules::orders::STATUSES;
/// What a stock movement does: goods in, goods out, a correction after a count.
pub const MOVEMENT_KINDS: &[&str] = &["in", "out", "adjust"];
/// An instalment's state, from what was received against it (`rules::payments::status`).
pub const INSTALMENT_STATUSES: &[&str] = &["open", "partly_paid", "paid"];
/// How a payment came in.
pub const PAYMENT_METHODS: &[&str] = &["bank_transfer", "cash", "cheque", "card", "other"];

/// Basis points: 10 000 is 100 %.
const BP: Kind = Kind::Int(0, 10_000);
/// Whole units.
const QUANTITY: Kind = Kind::Int(0, 1_000_000_000);
/// A change of stock: signed for an adjustment.
const DELTA: Kind = Kind::Int(-1_000_000_000, 1_000_000_000);

/// An order (O-000123): entered directly or from an accepted quote (`quote_id`, whose customer,
/// contact, deal and lines it takes). Its totals are the server's, from its lines by
/// `rules::money`; confirming it reserves the stock of its stock-kept lines in its warehouse.
const ORDER_FIELDS: &[Field] = &[
    f("number", Kind::Text(16))
        .server()
        .generated()
        .sort()
        .filter(),
    // Taken from the quote when an order is made from one.
    f("customer_id", Kind::Ref(Entity::Customers))
        .generated()
        .filter(),
    f("contact_id", Kind::Ref(Entity::Contacts)),
    f("opportunity_id", Kind::Ref(Entity::Opportunities)).filter(),
    f("quote_id", Kind::Ref(Entity::Quotes)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("warehouse_id", Kind::Ref(Entity::Warehouses)).filter(),
    // The dealer (a customer of category dealer) the order was placed through.
    f("dealer_id", Kind::Ref(Entity::Customers)).filter(),
    f("subject", Kind::Text(200)),
    f("status", Kind::Enum(ORDER_STATUSES))
        .default(Default::Str("entered"))
        .filter(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("ordered_on", Kind::Date).generated().sort().filter(),
    f("delivery_date", Kind::Date).filter(),
    f("delivered_on", Kind::Date).server(),
    f("subtotal", Kind::Money).server().generated(),
    f("tax", Kind::Money).server().generated(),
    f("total", Kind::Money).server().generated().sort(),
    f("notes", Kind::Text(10_000)).lines(),
];

/// A line of an order: priced and computed as a quote line is; `delivered_quantity` grows as
/// the goods leave (a partial delivery), which moves the stock and the order's status.
const ORDER_LINE_FIELDS: &[Field] = &[
    f("order_id", Kind::Ref(Entity::Orders)).required().filter(),
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("quantity", QUANTITY).default(Default::Int(1)),
    f("unit_price", Kind::Money).generated(),
    f("discount_bp", BP).default(Default::Int(0)),
    f("tax_rate_bp", BP).generated(),
    f("net", Kind::Money).server().generated(),
    f("tax", Kind::Money).server().generated(),
    f("delivered_quantity", QUANTITY).default(Default::Int(0)),
    f("delivery_date", Kind::Date),
    f("notes", Kind::Text(500)),
];

const WAREHOUSE_FIELDS: &[Field] = &[
    f("code", Kind::Text(32)).required().sort().filter(),
    f("name", Kind::Text(100)).required().sort(),
    f("address", Kind::Text(500)),
    f("active", Kind::Bool)
        .default(Default::Bool(true))
        .filter(),
    f("notes", Kind::Text(2_000)).lines(),
];

/// One product in one warehouse. `on_hand` changes only by movements, `reserved` only by
/// orders confirmed, delivered, cancelled or returned; both are the server's. `low` is the
/// server's too: what is free (on hand less reserved) at or below the threshold.
const STOCK_LEVEL_FIELDS: &[Field] = &[
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("warehouse_id", Kind::Ref(Entity::Warehouses))
        .required()
        .filter(),
    f("on_hand", DELTA).server().generated().sort(),
    f("reserved", QUANTITY).server().generated(),
    f("available", DELTA).server().generated().sort(),
    f("low_threshold", QUANTITY).default(Default::Int(0)),
    f("low", Kind::Bool).server().generated().filter(),
];

/// Goods in, out or corrected, with who (`created_by`) and why; never changed once recorded.
/// A delivery or a return records its own, naming the order.
const STOCK_MOVEMENT_FIELDS: &[Field] = &[
    f("product_id", Kind::Ref(Entity::Products))
        .required()
        .filter(),
    f("warehouse_id", Kind::Ref(Entity::Warehouses))
        .required()
        .filter(),
    f("kind", Kind::Enum(MOVEMENT_KINDS)).required().filter(),
    f("quantity", DELTA).required(),
    f("reason", Kind::Text(500)),
    f("order_id", Kind::Ref(Entity::Orders)).server().filter(),
    f("on_hand_after", DELTA).server().generated(),
];

/// How an order or a contract is to be paid: its instalments.
const PAYMENT_PLAN_FIELDS: &[Field] = &[
    f("name", Kind::Text(200)).generated().sort(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .generated()
        .filter(),
    f("order_id", Kind::Ref(Entity::Orders)).filter(),
    f("contract_id", Kind::Ref(Entity::Contracts)).filter(),
    f("owner_id", Kind::Ref(Entity::Users))
        .privileged()
        .filter(),
    f("currency", Kind::Text(3)).default(Default::Str("CNY")),
    f("total", Kind::Money).server().generated().sort(),
    f("received", Kind::Money).server().generated(),
    f("notes", Kind::Text(5_000)).lines(),
];

/// An amount due on a date. What was received against it and its status are the server's, from
/// the payments matched to it; its customer and owner are its plan's (for the aging read and
/// the owner's reminders).
const INSTALMENT_FIELDS: &[Field] = &[
    f("plan_id", Kind::Ref(Entity::PaymentPlans))
        .required()
        .filter(),
    f("due_date", Kind::Date).required().sort().filter(),
    f("amount", Kind::Money).required().sort(),
    f("received", Kind::Money).server().generated(),
    f("status", Kind::Enum(INSTALMENT_STATUSES))
        .server()
        .generated()
        .filter(),
    f("customer_id", Kind::Ref(Entity::Customers))
        .server()
        .generated()
        .filter(),
    f("owner_id", Kind::Ref(Entity::Users)).server().filter(),
    f("notes", Kind::Text(500)),
];

/// Money received (回款), matched to an instalment: the one named, else the plan's earliest
/// still open.
const PAYMENT_FIELDS: &[Field] = &[
    f("customer_id", Kind::Ref(Entity::Customers))
        .generated()
        .filter(),
    f("plan_id", Kind::Ref(Entity::PaymentPlans)).filter(),
    f("instalment_id", Kind::Ref(Entity::Instalments)).filter(),
    f("amount", Kind::Money).required().sort(),
    f("received_on", Kind::Date).required().sort().filter(),
    f("method", Kind::Enum(PAYMENT_METHODS))
        .default(Default::Str("bank_transfer"))
        .filter(),
    f("reference", Kind::Text(100)),
    f("notes", Kind::Text(2_000)).lines(),
];

pub(super) const ORDERS: Descriptor = Descriptor {
    default_sort: "ordered_on",
    title: "number",
    number: Some("number"),
    search: &["number", "subject"],
    indexes: &[
        "customer_id",
        "number",
        "quote_id",
        "owner_id, status",
        "ordered_on",
        "dealer_id, ordered_on",
        // The dashboard's pyramid: a period's orders that count and their totals, from the
        // index alone.
        "ordered_on, status, customer_id, total",
    ],
    form: &[
        "subject",
        "customer_id",
        "contact_id",
        "opportunity_id",
        "quote_id",
        "warehouse_id",
        "dealer_id",
        "status",
        "currency",
        "ordered_on",
        "delivery_date",
        "owner_id",
        "notes",
    ],
    columns: &[
        "number",
        "status",
        "customer_id",
        "subject",
        "total",
        "ordered_on",
        "delivery_date",
        "owner_id",
    ],
    access_links: &["customer_id", "owner_id"],
    ..describe("orders", "order", ORDER_FIELDS)
};

pub(super) const ORDER_LINES: Descriptor = Descriptor {
    title: "product_id",
    search: &["notes"],
    indexes: &["order_id"],
    form: &[
        "order_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "tax_rate_bp",
        "delivered_quantity",
        "delivery_date",
        "notes",
    ],
    columns: &[
        "order_id",
        "product_id",
        "quantity",
        "unit_price",
        "discount_bp",
        "net",
        "tax",
        "delivered_quantity",
    ],
    access_links: &["order_id"],
    ..describe("order_lines", "order line", ORDER_LINE_FIELDS)
};

pub(super) const WAREHOUSES: Descriptor = Descriptor {
    default_sort: "code",
    search: &["code", "name", "address"],
    form: &["code", "name", "address", "active", "notes"],
    columns: &["code", "name", "address", "active"],
    ..describe("warehouses", "warehouse", WAREHOUSE_FIELDS)
};

pub(super) const STOCK_LEVELS: Descriptor = Descriptor {
    title: "product_id",
    search: &[],
    indexes: &["product_id", "warehouse_id", "low"],
    form: &["product_id", "warehouse_id", "low_threshold"],
    columns: &[
        "product_id",
        "warehouse_id",
        "on_hand",
        "reserved",
        "available",
        "low_threshold",
        "low",
    ],
    access_links: &["product_id", "warehouse_id"],
    ..describe("stock_levels", "stock level", STOCK_LEVEL_FIELDS)
};

pub(super) const STOCK_MOVEMENTS: Descriptor = Descriptor {
    title: "kind",
    search: &["reason"],
    indexes: &["product_id", "warehouse_id", "order_id"],
    form: &["product_id", "warehouse_id", "kind", "quantity", "reason"],
    columns: &[
        "created_at",
        "kind",
        "product_id",
        "warehouse_id",
        "quantity",
        "on_hand_after",
        "reason",
        "created_by",
    ],
    access_links: &["product_id", "warehouse_id"],
    ..describe("stock_movements", "stock movement", STOCK_MOVEMENT_FIELDS)
};

pub(super) const PAYMENT_PLANS: Descriptor = Descriptor {
    search: &["name"],
    indexes: &["customer_id", "order_id"],
    form: &[
        "name",
        "customer_id",
        "order_id",
        "contract_id",
        "currency",
        "owner_id",
        "notes",
    ],
    columns: &[
        "name",
        "customer_id",
        "order_id",
        "total",
        "received",
        "owner_id",
    ],
    access_links: &["customer_id", "owner_id"],
    ..describe("payment_plans", "payment plan", PAYMENT_PLAN_FIELDS)
};

pub(super) const INSTALMENTS: Descriptor = Descriptor {
    default_sort: "due_date",
    title: "due_date",
    search: &["notes"],
    indexes: &[
        "plan_id",
        "customer_id",
        "status, due_date",
        "owner_id, due_date",
    ],
    form: &["plan_id", "due_date", "amount", "notes"],
    columns: &[
        "due_date",
        "plan_id",
        "customer_id",
        "amount",
        "received",
        "status",
    ],
    access_links: &["plan_id"],
    ..describe("instalments", "instalment", INSTALMENT_FIELDS)
};

pub(super) const PAYMENTS: Descriptor = Descriptor {
    default_sort: "received_on",
    title: "received_on",
    search: &["reference", "notes"],
    indexes: &["customer_id", "instalment_id", "plan_id"],
    form: &[
        "customer_id",
        "plan_id",
        "instalment_id",
        "amount",
        "received_on",
        "method",
        "reference",
        "notes",
    ],
    columns: &[
        "received_on",
        "customer_id",
        "amount",
        "method",
        "reference",
        "instalment_id",
    ],
    access_links: &["customer_id", "plan_id"],
    ..describe("payments", "payment", PAYMENT_FIELDS)
};
