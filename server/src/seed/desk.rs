//! The demo's service desk: the wrap-up codes calls end with (the outcomes calls had before
//! codes were the admin's), an office calendar in Shanghai with 2026's public holidays and
//! working weekends (data/holidays/cn-2026.json, the file `crm holidays load` reads), service
//! levels per priority counted in it, call scripts and canned replies. Made through the service
//! as the system, like any admin's records.

use serde_json::{Value, json};

use super::setup::{id_of, object};
use crate::error::ApiError;
use crate::rules::business_time;
use crate::schema::Entity;
use crate::service;
use crate::store::Tx;

/// The public holidays the demo loads, in the published file format.
pub const HOLIDAYS_2026: &str = include_str!("../../../data/holidays/cn-2026.json");

/// (code, English, Chinese, digit, follow-up, required)
const CODES: [(&str, &str, &str, u32, &str, bool); 9] = [
    ("answered", "Answered", "已接通", 1, "none", false),
    ("no_answer", "No answer", "无人接听", 2, "callback", false),
    ("busy", "Busy", "占线", 3, "callback", false),
    ("voicemail", "Voicemail", "语音信箱", 4, "none", false),
    ("wrong_number", "Wrong number", "打错电话", 5, "none", false),
    (
        "callback_requested",
        "Callback requested",
        "要求回电",
        6,
        "callback",
        true,
    ),
    ("resolved", "Resolved", "已解决", 7, "none", false),
    ("escalated", "Escalated", "已升级", 8, "ticket", true),
    ("sale", "Sale", "成交", 9, "none", false),
];

/// (priority, first response, resolution) in business minutes of the office calendar.
const LEVELS: [(&str, i64, i64); 4] = [
    ("urgent", 30, 240),
    ("high", 60, 480),
    ("normal", 240, 1_440),
    ("low", 480, 4_320),
];

const SCRIPTS: [(&str, &str, &str); 2] = [
    (
        "故障报修 / Fault report",
        "fault",
        "# start\n您好，这里是{agent}，请问是哪一款产品出现了问题？\nHello, this is {agent}. Which product is giving trouble?\n1 Device does not start / 无法开机 -> power\n2 Wrong results / 结果异常 -> results\n3 Customer wants a visit / 要求上门 -> visit\n# power\nAsk them to check the power supply and the fuse; if it still fails, open a ticket.\n请客户检查电源和保险丝；仍无法开机则建工单。\n1 Works now / 已恢复 -> done\n2 Still dead / 仍无法开机 -> visit\n# results\nAsk for the serial number and the last calibration date.\n请提供序列号和最近一次校准日期。\n1 Calibration overdue / 校准过期 -> visit\n2 Calibrated / 已校准 -> done\n# visit\nOpen a ticket of category visit and agree a date for the engineer.\n建立上门服务工单，并与客户约定工程师上门时间。\n# done\nThank the customer and wrap up the call.\n感谢客户，结束通话。\n",
    ),
    (
        "投诉处理 / Complaint",
        "complaint",
        "# start\n非常抱歉给您带来不便，我是{agent}，我会全程跟进。\nI am sorry for the trouble; I am {agent} and will follow this through.\n1 About delivery / 交货问题 -> delivery\n2 About service / 服务问题 -> service\n# delivery\nNote the order and what is missing; promise a callback within 4 working hours.\n记录订单及缺货内容，承诺4个工作小时内回电。\n# service\nNote who was involved and when; the complaint goes to the manager's queue.\n记录相关人员和时间，投诉将转给主管处理。\n",
    ),
];

const REPLIES: [(&str, &str, &str); 4] = [
    (
        "已收到 / Received",
        "",
        "{customer}您好，我们已收到您的问题（工单 {ticket}），会尽快处理。\nDear {customer}, we have your request ({ticket}) and are working on it.\n— {agent}",
    ),
    (
        "需要更多信息 / Need details",
        "fault",
        "{customer}您好，为了处理工单 {ticket}，请提供设备序列号和故障照片。\nTo work on {ticket}, please send the serial number and a photo of the fault.\n— {agent}",
    ),
    (
        "已解决 / Resolved",
        "",
        "{customer}您好，工单 {ticket} 已解决。如仍有问题请直接回复。\n{ticket} is resolved; reply if anything is still wrong.\n— {agent}",
    ),
    (
        "投诉致歉 / Complaint apology",
        "complaint",
        "{customer}您好，对您遇到的问题我们深表歉意，主管将在一个工作日内与您联系（{ticket}）。\nWe are sorry; a manager will call you within one working day ({ticket}).\n— {agent}",
    ),
];

fn create(tx: &dyn Tx, entity: Entity, body: Value) -> Result<String, ApiError> {
    let made = service::create(tx, &crate::system_actor(), entity, &object(body), false)?;
    id_of(&made.record)
}

/// Makes the demo's desk records; returns how many.
pub(super) fn desk(tx: &dyn Tx) -> Result<usize, ApiError> {
    let mut made = 0;
    for (code, en, zh, digit, follow_up, required) in CODES {
        let body = json!({"code": code, "label_en": en, "label_zh": zh, "digit": digit,
            "follow_up": follow_up, "follow_up_required": required});
        create(tx, Entity::WrapUpCodes, body)?;
        made += 1;
    }
    let office = "09:00-12:00, 13:00-18:00";
    let calendar = create(
        tx,
        Entity::SlaCalendars,
        json!({"name": "上海办公时间 Office hours", "time_zone": "Asia/Shanghai",
            "monday": office, "tuesday": office, "wednesday": office, "thursday": office,
            "friday": office}),
    )?;
    made += 1;
    let days = business_time::parse_holiday_file(HOLIDAYS_2026)
        .map_err(|e| ApiError::Internal(format!("the demo's holiday file: {e}")))?;
    for d in days {
        let kind = match d.kind {
            business_time::DayKind::Holiday => "holiday",
            business_time::DayKind::Workday => "workday",
        };
        let date = d.date.format("%Y-%m-%d").to_string();
        create(
            tx,
            Entity::Holidays,
            json!({"date": date, "name": d.name, "kind": kind}),
        )?;
        made += 1;
    }
    for (priority, first, resolve) in LEVELS {
        let body = json!({"priority": priority, "first_response_minutes": first,
            "resolution_minutes": resolve, "calendar_id": calendar});
        create(tx, Entity::ServiceLevels, body)?;
        made += 1;
    }
    for (name, category, body) in SCRIPTS {
        create(
            tx,
            Entity::CallScripts,
            json!({"name": name, "category": category, "body": body}),
        )?;
        made += 1;
    }
    for (title, category, body) in REPLIES {
        let category = (!category.is_empty()).then_some(category);
        create(
            tx,
            Entity::CannedReplies,
            json!({"title": title, "category": category, "body": body}),
        )?;
        made += 1;
    }
    Ok(made)
}
