//! The intent matcher's language knowledge: a contact-centre thesaurus (words and phrases of
//! English and Chinese that mean the same thing, mapped to one concept), English function
//! words and a light stemmer, and the Chinese particles that carry no topic.
//!
//! The thesaurus covers what callers of carriers, banks, airlines, hospitals, shops and
//! utilities ask about. It only adds features: an intent whose examples use none of these
//! words still matches by its own words. Add to it when an evaluation shows a gap — every
//! concept is one line.

use super::lexicon::Lexicon;
use std::sync::OnceLock;

const CONCEPTS: &[(&str, &[&str])] = &[
    (
        "bill",
        &[
            "bill",
            "bills",
            "billing",
            "invoice",
            "invoices",
            "statement",
            "charges",
            "charged",
            "owe",
            "fee",
            "fees",
            "账单",
            "话费",
            "费用",
            "扣费",
            "收费",
            "扣了",
            "扣钱",
        ],
    ),
    (
        "amount",
        &[
            "how much",
            "high",
            "expensive",
            "多少",
            "这么多",
            "这么高",
            "贵",
        ],
    ),
    (
        "this_month",
        &["this month", "month", "monthly", "本月", "这个月", "月"],
    ),
    (
        "mistake",
        &[
            "mistake",
            "error",
            "wrong",
            "incorrect",
            "overcharged",
            "不对",
            "错",
            "有误",
            "多扣",
        ],
    ),
    (
        "pay",
        &[
            "pay", "paying", "payment", "payments", "付款", "支付", "缴费", "付钱", "还款",
        ],
    ),
    (
        "topup",
        &[
            "top up",
            "topup",
            "top-up",
            "recharge",
            "credit",
            "put money on",
            "add money",
            "充值",
            "充话费",
            "充",
            "交话费",
        ],
    ),
    ("data", &["data", "gb", "mb", "流量", "流量包"]),
    (
        "plan",
        &[
            "plan", "plans", "package", "bundle", "tariff", "upgrade", "套餐", "包", "升级",
        ],
    ),
    (
        "more",
        &[
            "more",
            "extra",
            "additional",
            "run out",
            "ran out",
            "not enough",
            "不够",
            "多买",
            "加",
        ],
    ),
    (
        "fault",
        &[
            "not working",
            "doesnt work",
            "isnt working",
            "stopped working",
            "broken",
            "fault",
            "faulty",
            "down",
            "keeps dropping",
            "cant get",
            "cannot get",
            "故障",
            "坏了",
            "连不上",
            "上不了",
            "用不了",
            "不能用",
            "断",
            "掉线",
            "不好使",
        ],
    ),
    (
        "signal",
        &["signal", "reception", "coverage", "bars", "信号"],
    ),
    (
        "internet",
        &[
            "internet",
            "online",
            "wifi",
            "wi fi",
            "broadband",
            "network",
            "connection",
            "connect",
            "网络",
            "上网",
            "网",
            "网速",
            "宽带",
            "联网",
        ],
    ),
    ("slow", &["slow", "slowly", "lag", "慢", "卡顿"]),
    (
        "cancel",
        &[
            "cancel",
            "cancellation",
            "terminate",
            "termination",
            "end",
            "close",
            "quit",
            "stop using",
            "unsubscribe",
            "取消",
            "注销",
            "销户",
            "销号",
            "停机",
            "退订",
            "不想用了",
            "不用了",
        ],
    ),
    (
        "account",
        &[
            "account",
            "accounts",
            "contract",
            "service",
            "subscription",
            "line",
            "number",
            "账户",
            "账号",
            "帐户",
            "帐号",
            "号码",
            "手机号",
            "合约",
            "服务",
        ],
    ),
    (
        "agent",
        &[
            "agent",
            "agents",
            "person",
            "human",
            "someone",
            "somebody",
            "representative",
            "operator",
            "real person",
            "staff",
            "advisor",
            "人工",
            "真人",
            "人工服务",
            "工作人员",
        ],
    ),
    (
        "flight",
        &[
            "flight", "flights", "plane", "fly", "flying", "航班", "飞机", "班机",
        ],
    ),
    (
        "change",
        &[
            "change",
            "changing",
            "rebook",
            "move",
            "switch",
            "reschedule",
            "modify",
            "swap",
            "another",
            "different",
            "later",
            "earlier",
            "改",
            "改签",
            "换",
            "更改",
            "修改",
            "调",
            "改到",
            "换到",
        ],
    ),
    (
        "day",
        &[
            "day",
            "tomorrow",
            "today",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "afternoon",
            "morning",
            "evening",
            "明天",
            "后天",
            "今天",
            "下午",
            "上午",
            "晚上",
        ],
    ),
    (
        "bag",
        &[
            "bag",
            "bags",
            "luggage",
            "baggage",
            "suitcase",
            "suitcases",
            "行李",
            "行李箱",
            "箱子",
            "托运",
        ],
    ),
    (
        "lost",
        &[
            "lost",
            "lose",
            "missing",
            "never arrived",
            "didnt arrive",
            "did not arrive",
            "hasnt arrived",
            "cant find",
            "cannot find",
            "stolen",
            "stole",
            "steal",
            "丢",
            "丢了",
            "不见",
            "不见了",
            "没到",
            "找不到",
            "偷",
            "被偷",
            "被盗",
            "掉了",
        ],
    ),
    (
        "allowance",
        &[
            "allowance",
            "how many",
            "limit",
            "weight",
            "kg",
            "几件",
            "多少公斤",
            "限额",
        ],
    ),
    (
        "status",
        &[
            "status",
            "on time",
            "delayed",
            "delay",
            "late",
            "leave",
            "depart",
            "departure",
            "departs",
            "延误",
            "晚点",
            "准点",
            "状态",
            "起飞",
            "准时",
        ],
    ),
    (
        "refund",
        &[
            "refund",
            "refunds",
            "money back",
            "reimburse",
            "退款",
            "退票",
            "退钱",
            "退",
            "能退",
        ],
    ),
    ("ticket", &["ticket", "tickets", "票", "机票"]),
    (
        "seat",
        &[
            "seat", "seats", "sit", "window", "aisle", "座位", "座", "靠窗", "位子", "选座", "坐",
        ],
    ),
    (
        "appointment",
        &[
            "appointment",
            "appointments",
            "booking",
            "book",
            "visit",
            "reservation",
            "slot",
            "预约",
            "挂号",
            "挂",
            "号",
            "约",
        ],
    ),
    (
        "doctor",
        &[
            "doctor",
            "dentist",
            "physician",
            "gp",
            "specialist",
            "clinic",
            "医生",
            "大夫",
            "专家",
            "看病",
        ],
    ),
    (
        "result",
        &[
            "result", "results", "report", "come out", "ready", "结果", "报告", "出来",
        ],
    ),
    (
        "test",
        &[
            "test",
            "tests",
            "lab",
            "blood",
            "scan",
            "xray",
            "化验",
            "检查",
            "验血",
            "化验单",
        ],
    ),
    (
        "open",
        &[
            "open", "opening", "opens", "hours", "visiting", "开门", "营业", "上班", "开放", "门诊",
        ],
    ),
    (
        "time",
        &["when", "what time", "几点", "时间", "时候", "什么时候"],
    ),
    (
        "weekend",
        &["weekend", "weekends", "周末", "周六", "周日", "星期天"],
    ),
    (
        "emergency",
        &[
            "emergency",
            "urgent",
            "ambulance",
            "chest pain",
            "collapsed",
            "fainted",
            "unconscious",
            "bleeding",
            "heart attack",
            "急诊",
            "救命",
            "紧急",
            "晕倒",
            "昏迷",
            "急救",
            "晕",
            "倒了",
        ],
    ),
    (
        "card",
        &[
            "card",
            "cards",
            "credit card",
            "debit card",
            "卡",
            "银行卡",
            "信用卡",
        ],
    ),
    (
        "block",
        &[
            "block", "freeze", "frozen", "lock", "冻结", "挂失", "锁", "止付",
        ],
    ),
    (
        "balance",
        &[
            "balance",
            "left",
            "remaining",
            "余额",
            "还有多少钱",
            "剩",
            "剩下",
            "还有多少",
        ],
    ),
    (
        "money",
        &[
            "money", "cash", "funds", "yuan", "dollars", "钱", "块", "元",
        ],
    ),
    (
        "transfer",
        &[
            "transfer",
            "send",
            "wire",
            "remit",
            "pay someone",
            "转账",
            "汇款",
            "转钱",
            "打钱",
            "汇",
        ],
    ),
    ("password", &["pin", "password", "passcode", "code", "密码"]),
    (
        "reset",
        &[
            "forgot",
            "forget",
            "forgotten",
            "reset",
            "new",
            "recover",
            "忘",
            "忘记",
            "忘了",
            "重置",
            "重新设置",
            "重设",
        ],
    ),
    (
        "order",
        &[
            "order", "orders", "parcel", "package", "delivery", "订单", "包裹", "快递",
        ],
    ),
];

/// Concepts as lexicon classes (indexes into [`CONCEPTS`]).
fn lexicon() -> &'static Lexicon<u16> {
    static LEXICON: OnceLock<Lexicon<u16>> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let entries: Vec<(&str, u16)> = CONCEPTS
            .iter()
            .enumerate()
            .flat_map(|(i, (_, words))| words.iter().map(move |w| (*w, i as u16)))
            .collect();
        Lexicon::new(&entries)
    })
}

/// The concepts mentioned in `units` (a normalized text's units), in order, repeats kept.
pub fn find(units: &[&str]) -> Vec<&'static str> {
    lexicon()
        .scan(units)
        .into_iter()
        .filter_map(|hit| CONCEPTS.get(hit.class as usize).map(|(name, _)| *name))
        .collect()
}

/// English words that say nothing about what a caller wants.
pub fn is_stop_word(word: &str) -> bool {
    const STOP: &[&str] = &[
        "a", "an", "the", "i", "me", "my", "mine", "myself", "you", "your", "we", "our", "us",
        "it", "its", "this", "that", "these", "those", "to", "of", "in", "on", "for", "with", "at",
        "by", "from", "about", "is", "am", "are", "was", "were", "be", "been", "being", "do",
        "does", "did", "can", "could", "would", "will", "shall", "should", "may", "might", "must",
        "please", "want", "wanna", "need", "like", "id", "im", "ive", "ill", "and", "or", "so",
        "some", "any", "just", "get", "got", "have", "has", "had", "there", "here", "how", "what",
        "why", "which", "who", "hi", "hello", "hey", "thanks", "thank", "ok", "okay", "yes",
        "very", "really", "much", "up", "out", "into", "again", "now", "then", "too", "also", "if",
        "let", "make", "help",
    ];
    STOP.contains(&word)
}

/// Chinese characters that carry no topic on their own (particles, pronouns, "want").
pub fn is_cjk_stop(c: char) -> bool {
    "我你您他她它的了吗呢啊吧呀么是要想请帮一下个这那们能可以给把被还都也就在很太好怎么".contains(c)
}

/// A light English stemmer: plural, past and progressive endings ("bills" → "bill",
/// "delayed" → "delay", "booking" → "book"); short words are kept as they are.
pub fn stem(word: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    let strip = |suffix: &str, min: usize| -> Option<&str> {
        word.strip_suffix(suffix).filter(|rest| rest.len() >= min)
    };
    if let Some(rest) = strip("ies", 3) {
        return Cow::Owned(format!("{rest}y"));
    }
    if let Some(rest) = strip("ing", 3).or_else(|| strip("ed", 3)) {
        return Cow::Borrowed(rest);
    }
    if word.len() > 3 && word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        return Cow::Borrowed(&word[..word.len() - 1]);
    }
    Cow::Borrowed(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlu::lexicon::units;

    #[test]
    fn words_of_both_languages_share_a_concept() {
        assert_eq!(find(&units("invoice")), ["bill"]);
        assert_eq!(find(&units("话费")), ["bill"]);
        assert_eq!(find(&units("talk to a real person")), ["agent"]);
    }

    #[test]
    fn stems() {
        assert_eq!(stem("bills"), "bill");
        assert_eq!(stem("delayed"), "delay");
        assert_eq!(stem("booking"), "book");
        assert_eq!(stem("bus"), "bus");
        assert_eq!(stem("access"), "access");
    }
}
