//! The report reads in this backend's SQL: receivables aging (overall and by customer), campaign
//! sums and the analysis rows. `PgTx`'s trait methods call these.

use super::*;

pub(super) fn aging(
    tx: &PgTx<'_>,
    today: &str,
    customer_id: Option<&str>,
    viewer: Option<&[String]>,
) -> Result<crate::store::Aging, StorageError> {
    let mut args: Vec<Param> = vec![Box::new(today.to_string())];
    let mut condition = String::new();
    if let Some(customer) = customer_id {
        args.push(Box::new(customer.to_string()));
        condition = format!(" AND customer_id = ${}", args.len());
    }
    condition.push_str(&visible_filter(Entity::Instalments, viewer, &mut args));
    let text = format!(
        "SELECT {} FROM instalments WHERE NOT deleted AND status <> 'paid'{condition}",
        crate::store::aging_columns(AGING_DAYS, &|s| format!("({s})::BIGINT"))
    );
    let rows = tx.query_boxed(&text, &args)?;
    let row = rows
        .first()
        .ok_or_else(|| StorageError::Other("the aging sums returned no row".into()))?;
    let values = (0..6)
        .map(|i| row.try_get::<_, i64>(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::store::aging_from(&values))
}

pub(super) fn aging_by_customer(
    tx: &PgTx<'_>,
    today: &str,
    viewer: Option<&[String]>,
    limit: usize,
) -> Result<Vec<(String, crate::store::Aging)>, StorageError> {
    let mut args: Vec<Param> = vec![Box::new(today.to_string())];
    let filter = visible_filter(Entity::Instalments, viewer, &mut args);
    args.push(Box::new(i64::try_from(limit).unwrap_or(i64::MAX)));
    let text = format!(
        "SELECT * FROM (SELECT customer_id, {} FROM instalments
         WHERE NOT deleted AND status <> 'paid'{filter} GROUP BY customer_id) t {} LIMIT ${}",
        crate::store::aging_columns(AGING_DAYS, &|s| format!("({s})::BIGINT")),
        crate::store::AGING_ORDER,
        args.len()
    );
    tx.query_boxed(&text, &args)?
        .iter()
        .map(|row| {
            let customer: String = row.try_get(0)?;
            let values = (1..7)
                .map(|i| row.try_get::<_, i64>(i))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((customer, crate::store::aging_from(&values)))
        })
        .collect()
}

pub(super) fn campaign_sums(
    tx: &PgTx<'_>,
    campaign_id: &str,
) -> Result<crate::rules::marketing::CampaignSums, StorageError> {
    let text = crate::store::campaign_sums_sql(&|t| format!("NOT {t}deleted"), "$1");
    let args: Vec<Param> = vec![Box::new(campaign_id.to_string())];
    let rows = tx.query_boxed(&text, &args)?;
    let row = rows
        .first()
        .ok_or_else(|| StorageError::Other("the campaign sums returned no row".into()))?;
    let v = (0..8)
        .map(|i| row.try_get::<_, i64>(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::store::campaign_sums_from(&v))
}

pub(super) fn analysis_rows(
    tx: &PgTx<'_>,
    sql: &str,
    after: &str,
    numbers: usize,
) -> Result<Vec<crate::store::analysis::AnalysisRow>, StorageError> {
    let texts = crate::store::analysis::LAST_CONTACT + 1;
    let args: Vec<Param> = vec![Box::new(after.to_string())];
    tx.query_boxed(sql, &args)?
        .iter()
        .map(|r| {
            Ok(crate::store::analysis::AnalysisRow {
                texts: (0..texts)
                    .map(|i| r.try_get::<_, Option<String>>(i))
                    .collect::<Result<_, _>>()?,
                numbers: (texts..texts + numbers)
                    .map(|i| {
                        r.try_get::<_, Option<i64>>(i)
                            .map(Option::unwrap_or_default)
                    })
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}
