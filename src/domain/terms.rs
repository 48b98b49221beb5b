//! The terms of use — 利用規約 — their versions, the documents a job seeker
//! consents to, and the environment checklist (Art. 5, 12).
//!
//! Pure data with stable ids. The ids are stored in bookings: never rename one.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// One version of the terms, named by the date it was adopted or revised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TermsVersion {
    /// The version's name, its effective date as `YYYY-MM-DD`.
    pub version: String,
    pub effective: NaiveDate,
    /// 策定 (first adopted) or 改訂 (revised).
    pub label_ja: String,
}

/// The versions of the terms, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsCatalog {
    versions: Vec<TermsVersion>,
}

impl TermsCatalog {
    /// Versions in any order; kept sorted by effective date.
    pub fn new(mut versions: Vec<TermsVersion>) -> Self {
        versions.sort_by_key(|v| v.effective);
        Self { versions }
    }

    /// The six versions of the published terms: 策定 2021-03-01, 改訂
    /// 2021-04-01, 2022-04-25, 2024-03-11, 2024-06-20, 2025-02-07.
    pub fn published() -> Self {
        let mk = |y, m, d, label: &str| {
            let effective = NaiveDate::from_ymd_opt(y, m, d).expect("valid constant date");
            TermsVersion {
                version: effective.format("%Y-%m-%d").to_string(),
                effective,
                label_ja: label.to_string(),
            }
        };
        Self::new(vec![
            mk(2021, 3, 1, "策定"),
            mk(2021, 4, 1, "改訂"),
            mk(2022, 4, 25, "改訂"),
            mk(2024, 3, 11, "改訂"),
            mk(2024, 6, 20, "改訂"),
            mk(2025, 2, 7, "改訂"),
        ])
    }

    pub fn versions(&self) -> &[TermsVersion] {
        &self.versions
    }

    /// The version in force on `date`: the newest whose effective date is not
    /// after it.
    pub fn in_force(&self, date: NaiveDate) -> Option<&TermsVersion> {
        self.versions.iter().rev().find(|v| v.effective <= date)
    }

    /// Whether consent given under `version` must be renewed on `date`
    /// (Art. 13: a newer version has taken effect since).
    pub fn needs_reconsent(&self, version: &str, date: NaiveDate) -> bool {
        self.in_force(date).is_some_and(|v| v.version != version)
    }
}

/// The documents a job seeker consents to, each recorded separately
/// (preamble, Art. 4, Art. 6(2)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Document {
    /// オンライン職業相談利用規約 (these terms).
    ConsultationTerms,
    /// ハローワークにおけるオンラインを活用したサービス利用規約 (Art. 4).
    HelloWorkOnlineServices,
    /// Zoom's terms of service (Art. 4).
    ZoomTerms,
    /// オンライン・ハローワークシステム利用規約 (Art. 6(2)).
    OnlineHelloWorkSystem,
}

impl Document {
    pub const ALL: [Document; 4] = [
        Document::ConsultationTerms,
        Document::HelloWorkOnlineServices,
        Document::ZoomTerms,
        Document::OnlineHelloWorkSystem,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Document::ConsultationTerms => "consultation_terms",
            Document::HelloWorkOnlineServices => "hello_work_online_services",
            Document::ZoomTerms => "zoom_terms",
            Document::OnlineHelloWorkSystem => "online_hello_work_system",
        }
    }

    pub fn title_ja(self) -> &'static str {
        match self {
            Document::ConsultationTerms => "オンライン職業相談利用規約",
            Document::HelloWorkOnlineServices => {
                "ハローワークにおけるオンラインを活用したサービス利用規約"
            }
            Document::ZoomTerms => "Zoom 利用規約",
            Document::OnlineHelloWorkSystem => "オンライン・ハローワークシステム利用規約",
        }
    }

    pub fn title_en(self) -> &'static str {
        match self {
            Document::ConsultationTerms => "Online Job Consultation Terms of Use",
            Document::HelloWorkOnlineServices => "Terms of Use for Hello Work Online Services",
            Document::ZoomTerms => "Zoom Terms of Service",
            Document::OnlineHelloWorkSystem => "Online Hello Work System Terms of Use",
        }
    }
}

/// A consent record: which terms version, when, to which documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consent {
    pub terms_version: String,
    pub at: DateTime<FixedOffset>,
    pub documents: Vec<Document>,
}

impl Consent {
    /// Whether every one of the four documents was agreed to.
    pub fn is_complete(&self) -> bool {
        Document::ALL.iter().all(|d| self.documents.contains(d))
    }
}

/// One item of the environment checklist, with a stable id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistItem {
    /// Art. 5(1).
    DeviceSafe,
    /// Art. 5(2).
    SecureConnection,
    /// Art. 5(3).
    OsSupported,
    /// Art. 5(4).
    Firewall,
    /// Art. 5(5).
    NoFileSharing,
    /// Art. 5(6).
    Antivirus,
    /// Art. 12(2).
    NoRecording,
    /// Art. 12(3).
    PrivatePlace,
    /// Art. 12(4).
    AppReady,
}

pub struct ChecklistText {
    pub article: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
    pub why_ja: &'static str,
    pub why_en: &'static str,
}

impl ChecklistItem {
    pub const ALL: [ChecklistItem; 9] = [
        ChecklistItem::DeviceSafe,
        ChecklistItem::SecureConnection,
        ChecklistItem::OsSupported,
        ChecklistItem::Firewall,
        ChecklistItem::NoFileSharing,
        ChecklistItem::Antivirus,
        ChecklistItem::NoRecording,
        ChecklistItem::PrivatePlace,
        ChecklistItem::AppReady,
    ];

    pub fn id(self) -> &'static str {
        match self {
            ChecklistItem::DeviceSafe => "device_safe",
            ChecklistItem::SecureConnection => "secure_connection",
            ChecklistItem::OsSupported => "os_supported",
            ChecklistItem::Firewall => "firewall",
            ChecklistItem::NoFileSharing => "no_file_sharing",
            ChecklistItem::Antivirus => "antivirus",
            ChecklistItem::NoRecording => "no_recording",
            ChecklistItem::PrivatePlace => "private_place",
            ChecklistItem::AppReady => "app_ready",
        }
    }

    /// Every item is required for a booking.
    pub fn required(self) -> bool {
        true
    }

    pub fn text(self) -> ChecklistText {
        let t = |article, ja, en, why_ja, why_en| ChecklistText {
            article,
            ja,
            en,
            why_ja,
            why_en,
        };
        match self {
            ChecklistItem::DeviceSafe => t(
                "5(1)",
                "使用する端末はウイルス感染等のない安全なものです",
                "The device is safe: no virus or other security breach",
                "感染した端末は相談内容や個人情報の漏えいにつながります。ウイルス対策ソフトで検査してからご利用ください。",
                "An infected device can leak what is said and personal data. Scan it with antivirus software first.",
            ),
            ChecklistItem::SecureConnection => t(
                "5(2)",
                "インターネットに接続でき、安全性が不明な無料Wi-Fi等は使いません",
                "The device is online, not through free Wi-Fi of unknown security",
                "無料Wi-Fiは通信を盗み見られるおそれがあります。自宅の回線か携帯回線をお使いください。",
                "Free Wi-Fi can be eavesdropped on. Use a home line or mobile data instead.",
            ),
            ChecklistItem::OsSupported => t(
                "5(3)",
                "OSはサポート期間中で、最新のセキュリティパッチを適用しています",
                "The operating system is supported and has the latest security patches",
                "サポートが終了したOSは利用できません。更新してから予約してください。",
                "An unsupported OS may not be used. Update it before booking.",
            ),
            ChecklistItem::Firewall => t(
                "5(4)",
                "パーソナルファイアウォールを有効にし、許可は最小限にしています",
                "A personal firewall is on, allowing only what is needed",
                "Windows ファイアウォール等を有効にしてください。設定方法は端末の説明書をご覧ください。",
                "Turn on the Windows Firewall or similar; the device's manual says how.",
            ),
            ChecklistItem::NoFileSharing => t(
                "5(5)",
                "ファイル共有ソフト（Winny、Share等）は入っておらず、不要なソフトは起動しません",
                "No file-sharing software (Winny, Share, ...) is installed; nothing needless runs",
                "ファイル共有ソフトは情報漏えいの原因になります。アンインストールしてください。",
                "File-sharing software leaks data. Uninstall it first.",
            ),
            ChecklistItem::Antivirus => t(
                "5(6)",
                "ウイルス対策ソフト（有償版相当）が入っていて、パターンファイルは最新です",
                "Antivirus software (paid-grade) is installed with current patterns",
                "無料版では要件を満たしません。パターンファイルを更新してからご利用ください。",
                "A free edition does not meet the terms. Update its patterns before the consultation.",
            ),
            ChecklistItem::NoRecording => t(
                "12(2)",
                "相談を録画・録音しません（方法を問いません）",
                "The consultation will not be recorded in any way",
                "録画・録音は規約で禁止されています。",
                "Recording of any kind is forbidden by the terms.",
            ),
            ChecklistItem::PrivatePlace => t(
                "12(3)",
                "個室か、周りに人がいない場所で受けます",
                "It will take place in a private room or with nobody around",
                "秘密を守るためです。通訳や介助者が同席する場合は予約時にお知らせください。",
                "To keep it confidential. Say at booking if an interpreter or caregiver will attend.",
            ),
            ChecklistItem::AppReady => t(
                "12(4)",
                "Zoomを使える状態にし、通信の確認を済ませます",
                "Zoom is ready and the connection has been tested",
                "当日つながらないと相談できません。事前にZoomのテストミーティングで確認してください。",
                "Without a working connection there is no consultation. Try Zoom's test meeting first.",
            ),
        }
    }
}

/// The answer to one checklist item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistAnswer {
    pub item: ChecklistItem,
    pub yes: bool,
}

/// The items that block a booking: required items not answered yes.
pub fn checklist_missing(answers: &[ChecklistAnswer]) -> Vec<ChecklistItem> {
    ChecklistItem::ALL
        .iter()
        .copied()
        .filter(|item| item.required())
        .filter(|item| !answers.iter().any(|a| a.item == *item && a.yes))
        .collect()
}

/// Every item answered yes (what `book --checklist` records).
pub fn checklist_all_yes() -> Vec<ChecklistAnswer> {
    ChecklistItem::ALL
        .iter()
        .map(|&item| ChecklistAnswer { item, yes: true })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn six_versions_and_the_one_in_force() {
        let c = TermsCatalog::published();
        assert_eq!(c.versions().len(), 6);
        assert_eq!(c.in_force(d("2026-12-01")).unwrap().version, "2025-02-07");
        assert_eq!(c.in_force(d("2025-02-06")).unwrap().version, "2024-06-20");
        assert_eq!(c.in_force(d("2021-03-01")).unwrap().label_ja, "策定");
        assert!(c.in_force(d("2021-02-28")).is_none());
        assert!(c.needs_reconsent("2024-06-20", d("2026-12-01")));
        assert!(!c.needs_reconsent("2025-02-07", d("2026-12-01")));
    }

    #[test]
    fn checklist_ids_are_stable_and_unique() {
        let ids: Vec<_> = ChecklistItem::ALL.iter().map(|i| i.id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 9);
        // serde ids are the same as id(): they are what bookings store.
        for item in ChecklistItem::ALL {
            let json = serde_json::to_string(&item).unwrap();
            assert_eq!(json, format!("\"{}\"", item.id()));
            assert!(!item.text().ja.is_empty() && !item.text().en.is_empty());
        }
        for doc in Document::ALL {
            assert_eq!(
                serde_json::to_string(&doc).unwrap(),
                format!("\"{}\"", doc.id())
            );
        }
    }

    #[test]
    fn checklist_missing_items() {
        assert!(checklist_missing(&checklist_all_yes()).is_empty());
        let mut answers = checklist_all_yes();
        answers[6].yes = false;
        assert_eq!(
            checklist_missing(&answers),
            vec![ChecklistItem::NoRecording]
        );
        assert_eq!(checklist_missing(&[]).len(), 9);
    }
}
