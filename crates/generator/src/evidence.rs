//! Composes 評価の根拠記入欄 texts from fragments.
//!
//! A text fits its score as the guideline's evidence guidance asks:
//! - 対策完了 (2): the rule, system or activity by name and a date
//!   (制定・改定・導入年月, or the last time a periodic activity ran); for a
//!   multi-part item, a clause for every part;
//! - 対策中 (1): the current state and the planned completion;
//! - 未実施 (0): the improvement plan;
//! - 該当なし: why the item does not apply.
//!
//! Template choice is keyed by company, item and score, so a company's text
//! for an item stays recognisably the same from year to year (people copy
//! last year's sheet) while its dates move on; writing habits (era years,
//! full-width digits, terse or wordy, 済 or 済み) belong to the company.

use std::fmt::Write as _;

use hyoka_model::domain::{Evaluation, Points};

use crate::company::{SizeClass, Style, SyntheticCompany};
use crate::plan::{ItemPlan, PartPlan, Timeline, Ym};
use crate::rng::Rng;
use crate::vocab::Kind;

/// Everything one text depends on.
pub(crate) struct Input<'a> {
    /// The item.
    pub plan: &'a ItemPlan,
    /// The company answering.
    pub company: &'a SyntheticCompany,
    /// The fiscal year of the sheet.
    pub year: i32,
    /// The month the sheet was answered.
    pub answered: Ym,
    /// The company's timeline on the item.
    pub timeline: &'a Timeline,
    /// The answer the text explains.
    pub evaluation: Evaluation,
    /// Choices fixed per company and item (the noun, the date style).
    pub item: Rng,
    /// Choices that stay the same across years (company, item, score).
    pub stable: Rng,
    /// Choices that change every year (company, item, year).
    pub yearly: Rng,
}

/// The evidence text for one answer (empty when unanswered).
pub(crate) fn compose(input: Input<'_>) -> String {
    let Input { plan, company, year, answered, timeline, evaluation, mut item, stable, yearly } = input;
    let style = &company.profile.style;
    let noun = item.pick(&plan.nouns).map_or("", String::as_str);
    let fmt = pick_date_fmt(style, &mut item);
    let mut w = Writer {
        plan,
        company,
        style,
        year,
        answered,
        timeline,
        fmt,
        noun,
        stable,
        yearly,
        sentences: Vec::with_capacity(3),
    };
    match evaluation {
        Evaluation::Unanswered => return String::new(),
        Evaluation::NotApplicable => w.not_applicable(),
        Evaluation::Rated(Points::Two) => w.done(),
        Evaluation::Rated(Points::One) => w.in_progress(),
        Evaluation::Rated(Points::Zero) => w.not_done(),
    }
    w.finish()
}

/// How dates are written in one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFmt {
    /// 2022年10月.
    Western,
    /// 令和4年10月.
    Era,
    /// 2022/10.
    Slash,
    /// 2022年.
    Year,
    /// 2022年度.
    Fiscal,
    /// 令和4年度.
    EraFiscal,
}

// ---------------------------------------------------------------- templates
// Slots: {n} noun, {o} object, {t} rule document, {d} done/start date,
// {r} latest run, {v} revision date, {p} deadline, {q} start of a plan,
// {f} frequency, {s} scope, {z} 済/済み, {c} a percentage,
// {vn} verb as noun (導入), {vp} plain verb (導入する), {a} responsible area.

const DONE_RULE: &[&str] = &[
    "{n}を{d}に制定{z}",
    "「{n}」を{d}に制定し、社内に公開している",
    "{n}（{d}制定）にて規定している",
    "{d}に{n}を策定{z}",
    "{n}を整備{z}（{d}制定）",
];
const DONE_RULE_REVISED: &[&str] =
    &["{n}を{d}に制定し、{v}に改定{z}", "{n}（{d}制定、{v}改定）にて規定", "{d}に{n}を制定。{v}に見直しを行い改定した"];
const DONE_RULE_PARENT: &[&str] =
    &["親会社の{n}を準用し、{d}から適用している", "グループ共通の{n}を{d}に当社向けに制定{z}"];
const DONE_REVIEW: &[&str] = &[
    "{o}は{f}点検しており、直近は{r}に実施",
    "{d}から{f}の見直しを実施。直近の点検は{r}",
    "{t}に基づき{f}点検を実施（直近{r}）",
    "{f}、{o}の点検を実施{z}。前回は{r}に実施",
];
const DONE_TRAINING: &[&str] = &[
    "{n}を{f}実施（直近{r}）",
    "{d}から{n}を継続して実施しており、直近は{r}に実施",
    "全従業員を対象に{n}を実施{z}（{r}）",
    "{n}：{f}実施、受講率{c}％（{r}実施分）",
];
const DONE_INVENTORY: &[&str] = &[
    "{n}を{d}に作成し、{f}更新している",
    "{n}で管理（{d}作成、最終更新{r}）",
    "{d}より{n}を整備し運用中。直近の更新は{r}",
];
const DONE_AGREEMENT: &[&str] = &[
    "{d}以降、{n}を全件で取り交わしている",
    "{n}にて対応{z}（{d}から運用）",
    "{n}を{d}に整備し、対象すべてと取り交わし{z}",
];
const DONE_ORGANIZATION: &[&str] = &[
    "{n}（{d}制定）により明確化している",
    "{n}を{d}に整備し、{r}に見直し{z}",
    "{d}に{n}を定め、毎年更新している（最終更新{r}）",
];
const DONE_SYSTEM: &[&str] =
    &["{n}を{d}に導入{z}", "{d}に{n}を導入し、{s}で運用中", "{n}で対応{z}（{d}導入）", "{n}：{d}導入、{s}を対象に運用"];
const DONE_SYSTEM_PARENT: &[&str] =
    &["{n}を{d}に導入し、運用は保守委託先に委託している", "親会社のグループ共通基盤（{n}）を{d}から利用"];
const DONE_PHYSICAL: &[&str] = &["{n}を{d}に設置{z}", "{d}に{n}を設置し、運用している", "{n}を設置（{d}）"];
const DONE_TERSE: &[&str] = &["{n}{vn}{z}（{d}）"];
const DONE_TERSE_PERIODIC: &[&str] = &["{n}{vn}{z}（{r}）", "{n}を{f}{vn}（直近{r}）"];

const PROGRESS_RULE: &[&str] = &[
    "現在{n}の案を作成中。{p}までに制定予定",
    "{n}は作成{z}だが社内承認前。{p}までに制定予定",
    "運用はしているが文書化できていない。{p}までに{n}として制定予定",
    "{n}の策定に着手しており、{p}の制定を目指す",
];
const PROGRESS_REVIEW: &[&str] = &[
    "{o}の点検を開始したが一部にとどまる。{p}までに全体の点検を完了予定",
    "点検手順を検討中。{p}から{f}の点検を開始予定",
];
const PROGRESS_TRAINING: &[&str] =
    &["{n}を一部部署で実施{z}。全社展開は{p}までに行う予定", "{n}の教材を準備中。{p}までに実施予定"];
const PROGRESS_INVENTORY: &[&str] =
    &["{n}を作成中（本社分のみ完了）。{p}までに全拠点分を完成予定", "{n}の整備に着手{z}。{p}の完成を目指す"];
const PROGRESS_AGREEMENT: &[&str] =
    &["新規分から{n}の取り交わしを開始。既存分は{p}までに完了予定", "{n}のひな形を作成{z}。{p}までに取り交わし予定"];
const PROGRESS_ORGANIZATION: &[&str] =
    &["{n}の案を作成し、{p}までに整備予定", "体制は決めたが文書化が未完了。{p}までに{n}を整備予定"];
const PROGRESS_SYSTEM: &[&str] = &[
    "{n}を本社に導入{z}、工場は{p}までに導入予定",
    "{n}の導入を進めている（{p}完了予定）",
    "{n}を試験導入中。{p}までに全台へ展開予定",
    "{n}の導入を決定し、ベンダーと調整中。{p}稼働予定",
];
const PROGRESS_PHYSICAL: &[&str] =
    &["{n}の設置工事を計画中。{p}までに設置予定", "本社は{n}を設置{z}、工場は{p}までに設置予定"];
const PROGRESS_SMALL: &[&str] = &[
    "IT担当が1名のため一部のみ対応。{p}までに{n}を{vp}予定",
    "親会社の支援を受けて{n}の{vn}を進めている。{p}完了予定",
];
const PROGRESS_TERSE: &[&str] = &["{n}{vn}中（{p}完了予定）", "対応中。{p}までに{vn}予定"];

const NOT_DONE_COSTLY: &[&str] =
    &["未実施。{q}に予算化し{n}の{vn}を検討予定", "現状実施できていない。{q}に{n}を{vp}予定"];
const NOT_DONE: &[&str] = &[
    "未対応。{q}に{n}の{vn}を検討する",
    "未実施。{q}の計画に{n}の{vn}を盛り込む予定",
    "手が回っておらず未実施。{q}に{n}の{vn}に着手予定",
    "現状実施できていない。{q}に{n}を{vp}予定",
];
const NOT_DONE_SMALL: &[&str] = &[
    "IT担当が1名のため{n}の{vn}まで手が回っていない。{q}に外部委託も含めて検討予定",
    "未実施。親会社と相談のうえ、{q}に{n}を{vp}計画",
];
const NOT_DONE_TERSE: &[&str] = &["未実施（{q}に{vn}予定）", "未実施。{q}検討予定"];

const NOTES_DONE: &[&str] = &[
    "運用状況は{a}担当が年1回確認している",
    "証跡は共有フォルダに保管している",
    "内部監査で運用状況を確認{z}",
    "親会社にも報告{z}",
];
const NOTES_PROGRESS: &[&str] = &["進捗は毎月の定例会議で報告している", "対応状況は親会社にも共有している"];
const NOTES_NOT_DONE: &[&str] = &[
    "それまでは口頭で注意喚起を行う",
    "必要性は認識しており、優先度を上げて対応する",
    "他社事例を参考に進め方を検討する",
];

/// Clauses for a done part of a multi-part item, by part key.
const PART_CLAUSES: &[(&str, &[&str])] = &[
    ("rules", &["{t}を{d}に制定{z}", "ルールは{t}（{d}制定）で定めている"]),
    (
        "education",
        &[
            "全従業員にeラーニングで教育を実施（直近{r}）",
            "新入社員研修と年1回の説明会で周知している（直近{r}）",
            "イントラ掲示と集合教育で周知{z}（{r}実施）",
        ],
    ),
    (
        "roles",
        &["推進体制と各担当の役割・責任を{n}に明記（{d}制定）", "体制図で各担当の役割と責任を定めている（{d}作成）"],
    ),
    ("contacts", &["緊急連絡先リストを整備し{r}に更新{z}", "連絡網を作成し、{r}に最新化した"]),
    (
        "intel",
        &[
            "JPCERT/CCやIPAの脅威情報を収集し、対策に活用している",
            "セキュリティベンダーの脅威情報サービスを{d}から利用",
        ],
    ),
    ("correlation", &["SIEMによるログの相関分析を{d}から実施", "SOCサービスでログ分析・予兆検知を{d}から実施"]),
    ("erase", &["廃棄時は専門業者によるデータ消去を実施（{d}から）", "データ消去ソフトで完全消去してから廃棄している"]),
    ("record", &["消去証明書を受領し保管している", "廃棄証明書を台帳とあわせて保管{z}"]),
    (
        "backup",
        &[
            "基幹システムとファイルサーバのバックアップを日次で取得（{d}から）",
            "NASへバックアップを毎日取得している（{d}導入）",
        ],
    ),
    ("offsite", &["週次で遠隔地のデータセンターへ複製して保管", "遠隔地のクラウドストレージにも{d}から保管{z}"]),
];

/// Activities people attend (and so have an attendance rate).
const COURSE_WORDS: &[&str] = &["教育", "研修", "訓練", "ラーニング", "勉強会", "説明会", "朝礼"];

const SCOPES: &[&str] = &["全PC・サーバ", "本社・全工場", "全社", "全拠点"];
const SCOPES_SMALL: &[&str] = &["全PC", "全社"];

struct Writer<'a> {
    plan: &'a ItemPlan,
    company: &'a SyntheticCompany,
    style: &'a Style,
    year: i32,
    answered: Ym,
    timeline: &'a Timeline,
    fmt: DateFmt,
    noun: &'a str,
    stable: Rng,
    yearly: Rng,
    sentences: Vec<String>,
}

impl<'a> Writer<'a> {
    fn small(&self) -> bool {
        self.company.size_class == SizeClass::Small
    }

    fn terse(&mut self) -> bool {
        self.style.verbosity == 0 && self.stable.chance(0.7)
    }

    // ------------------------------------------------------------ scores

    fn done(&mut self) {
        if !self.plan.parts.is_empty() {
            return self.done_parts();
        }
        let periodic = matches!(self.plan.kind, Kind::Review | Kind::Training);
        let revised = self.timeline.revised <= self.answered;
        let templates: &[&str] = if self.terse() {
            if periodic { DONE_TERSE_PERIODIC } else { DONE_TERSE }
        } else {
            let parent = self.company.profile.uses_parent && self.stable.chance(0.3);
            match self.plan.kind {
                Kind::Rule if parent => DONE_RULE_PARENT,
                Kind::Rule if revised && self.stable.chance(0.6) => DONE_RULE_REVISED,
                Kind::Rule => DONE_RULE,
                Kind::Review => DONE_REVIEW,
                Kind::Training => DONE_TRAINING,
                Kind::Inventory => DONE_INVENTORY,
                Kind::Agreement => DONE_AGREEMENT,
                Kind::Organization => DONE_ORGANIZATION,
                Kind::System if parent => DONE_SYSTEM_PARENT,
                Kind::System => DONE_SYSTEM,
                Kind::Physical => DONE_PHYSICAL,
            }
        };
        let mut template = self.stable.pick_str(templates);
        if template.contains("受講率") && !COURSE_WORDS.iter().any(|w| self.noun.contains(w)) {
            template = DONE_TRAINING[0];
        }
        // 「2024年9月から…直近は2024年9月」 reads oddly: a recent start has no history.
        if template.contains("{d}") && template.contains("{r}") && self.answered.since(self.timeline.done) < 12 {
            template = templates.first().copied().unwrap_or(template);
        }
        let main = self.fill(template);
        self.sentences.push(main);
        if self.style.verbosity >= 1 && !self.plan.extras.is_empty() && self.stable.chance(0.55) {
            let extra = self.stable.pick_str(self.plan.extras);
            self.sentences.push(extra.to_owned());
        }
        self.note(NOTES_DONE);
    }

    fn done_parts(&mut self) {
        let mut dated = false;
        let plan: &'a ItemPlan = self.plan;
        for part in &plan.parts {
            let template = self.part_clause(part);
            dated |= template.contains("{d}") || template.contains("{r}");
            let clause = self.fill(&template);
            self.sentences.push(clause);
        }
        if !dated {
            let since = self.fill("{d}から運用している");
            self.sentences.push(since);
        }
        self.note(NOTES_DONE);
    }

    fn part_clause(&mut self, part: &PartPlan) -> String {
        if let Some((_, clauses)) = PART_CLAUSES.iter().find(|(key, _)| *key == part.key) {
            return self.stable.pick_str(clauses).to_owned();
        }
        // Unknown part: its label, plus a synonym if the label has none.
        let mut clause = format!("{}についても{{d}}に対応{{z}}", part.label);
        let labelled = part.synonyms.iter().any(|s| part.label.contains(s.as_str()));
        let word = if labelled { None } else { self.stable.pick(&part.synonyms) };
        if let Some(word) = word {
            let _ = write!(clause, "（{word}）");
        }
        clause
    }

    fn in_progress(&mut self) {
        if self.plan.parts.len() >= 2 {
            return self.in_progress_parts();
        }
        let templates: &[&str] = if self.terse() {
            PROGRESS_TERSE
        } else if self.small() && self.stable.chance(0.25) {
            PROGRESS_SMALL
        } else {
            match self.plan.kind {
                Kind::Rule => PROGRESS_RULE,
                Kind::Review => PROGRESS_REVIEW,
                Kind::Training => PROGRESS_TRAINING,
                Kind::Inventory => PROGRESS_INVENTORY,
                Kind::Agreement => PROGRESS_AGREEMENT,
                Kind::Organization => PROGRESS_ORGANIZATION,
                Kind::System => PROGRESS_SYSTEM,
                Kind::Physical => PROGRESS_PHYSICAL,
            }
        };
        let template = self.stable.pick_str(templates);
        let main = self.fill(template);
        self.sentences.push(main);
        self.note(NOTES_PROGRESS);
    }

    /// Some parts done, the others pending (seed question 7: rules without
    /// education is 1, not 2).
    fn in_progress_parts(&mut self) {
        let parts = &self.plan.parts;
        let pending = if self.stable.chance(0.75) { parts.len() - 1 } else { 0 };
        for (i, part) in parts.iter().enumerate() {
            if i == pending {
                continue;
            }
            let template = self.part_clause(part);
            let clause = self.fill(&template);
            self.sentences.push(clause);
        }
        if let Some(part) = parts.get(pending) {
            let state = self.stable.pick_str(&["未実施", "未対応", "準備中"]);
            let template = format!("{}は{state}のため、{{p}}までに対応予定", part.label);
            let clause = self.fill(&template);
            self.sentences.push(clause);
        }
    }

    fn not_done(&mut self) {
        let templates: &[&str] = if self.terse() {
            NOT_DONE_TERSE
        } else if self.small() && self.stable.chance(0.15) {
            NOT_DONE_SMALL
        } else if matches!(self.plan.kind, Kind::System | Kind::Physical) && self.stable.chance(0.6) {
            NOT_DONE_COSTLY
        } else {
            NOT_DONE
        };
        let template = self.stable.pick_str(templates);
        let main = self.fill(template);
        self.sentences.push(main);
        self.note(NOTES_NOT_DONE);
    }

    fn not_applicable(&mut self) {
        let reasons = self.plan.na_group.map_or(&[][..], |(_, reasons)| reasons);
        let reason = self.stable.pick_str(reasons);
        let reason = if reason.is_empty() {
            "当社の業務形態では対象となる業務がないため該当しない"
        } else {
            reason
        };
        self.sentences.push(reason.to_owned());
    }

    /// A closing note, for wordy respondents.
    fn note(&mut self, notes: &[&'static str]) {
        let p = match self.style.verbosity {
            0 => 0.0,
            1 => 0.12,
            _ => 0.4,
        };
        if self.stable.chance(p) {
            let template = self.stable.pick_str(notes);
            let note = self.fill(template);
            self.sentences.push(note);
        }
    }

    fn finish(self) -> String {
        let joiner = if self.style.line_breaks && self.sentences.len() > 1 { "。\n" } else { "。" };
        let mut text = self.sentences.join(joiner);
        if self.style.period && !text.ends_with('。') {
            text.push('。');
        }
        if self.style.fullwidth { to_fullwidth_digits(&text) } else { text }
    }

    // ------------------------------------------------------------ slots

    fn fill(&mut self, template: &str) -> String {
        fill_template(template, |key, out| self.slot(key, out))
    }

    fn slot(&mut self, key: &str, out: &mut String) {
        let plan = self.plan;
        match key {
            "n" if plan.kind == Kind::Review => out.push_str(&plan.object),
            "n" => out.push_str(self.noun),
            "o" => out.push_str(&plan.object),
            "t" => {
                let doc = if plan.kind == Kind::Rule { self.noun } else { self.stable.pick_str(plan.topic.docs) };
                out.push_str(doc);
            }
            "d" => {
                // A 1 that quotes a date quotes when work started.
                let at = if self.timeline.done <= self.answered { self.timeline.done } else { self.timeline.start };
                self.date(at, out);
            }
            "r" => {
                let recent = self.recent();
                self.date(recent, out);
            }
            "v" => self.date(self.timeline.revised.min(self.answered), out),
            "p" => self.deadline(out),
            "q" => self.plan_start(out),
            "f" => out.push_str(self.frequency()),
            "s" => {
                let scopes = if self.small() { SCOPES_SMALL } else { SCOPES };
                out.push_str(self.stable.pick_str(scopes));
            }
            "z" => out.push_str(self.style.zumi),
            "c" => {
                let _ = write!(out, "{}", 85 + self.yearly.below(16));
            }
            "vn" => out.push_str(plan.kind.verb_noun()),
            "vp" => out.push_str(plan.kind.verb_plain()),
            "a" => out.push_str(plan.topic.area),
            other => {
                // Unknown slot: leave it visible so tests catch it.
                let _ = write!(out, "{{{other}}}");
            }
        }
    }

    fn frequency(&mut self) -> &'static str {
        if self.plan.monthly { "毎月" } else { self.stable.pick_str(&["年1回", "年1回", "年2回"]) }
    }

    /// The last run of a periodic activity: within the year before the
    /// answer, never before the item was done.
    fn recent(&mut self) -> Ym {
        let back = i32::try_from(1 + self.yearly.below(10)).unwrap_or(1);
        let at = self.answered.plus(-back);
        if at < self.timeline.done { self.timeline.done.min(self.answered) } else { at }
    }

    fn date(&self, at: Ym, out: &mut String) {
        let (y, m) = (at.year(), at.month());
        let _ = match self.fmt {
            DateFmt::Western => write!(out, "{y}年{m}月"),
            DateFmt::Era => write!(out, "{}{m}月", era_year(y, m)),
            DateFmt::Slash => write!(out, "{y}/{m}"),
            DateFmt::Year => write!(out, "{y}年"),
            DateFmt::Fiscal => write!(out, "{}年度", at.fiscal_year()),
            DateFmt::EraFiscal => write!(out, "{}度", era_fiscal_year(at.fiscal_year())),
        };
    }

    fn fiscal(&self, fy: i32, out: &mut String) {
        let _ = if matches!(self.fmt, DateFmt::Era | DateFmt::EraFiscal) {
            write!(out, "{}度", era_fiscal_year(fy))
        } else {
            write!(out, "{fy}年度")
        };
    }

    /// When a 1 will be done: the real completion month when it is near,
    /// else the end of its fiscal year (at most two years ahead).
    fn deadline(&mut self, out: &mut String) {
        let done = self.timeline.done;
        let target_fy = done.fiscal_year().min(self.year + 2);
        let near = done.since(self.answered) <= 12;
        let monthly = !matches!(self.fmt, DateFmt::Year | DateFmt::Fiscal | DateFmt::EraFiscal);
        if near && monthly && self.stable.chance(0.6) {
            return self.date(done, out);
        }
        if target_fy <= self.year && self.stable.chance(0.5) {
            out.push_str("今年度末");
        } else if target_fy == self.year + 1 && self.stable.chance(0.3) {
            out.push_str("来年度末");
        } else {
            self.fiscal(target_fy, out);
            out.push('末');
        }
    }

    /// When a 0 will be started.
    fn plan_start(&mut self, out: &mut String) {
        let fy = self.timeline.start.fiscal_year();
        if fy <= self.year {
            out.push_str(self.stable.pick_str(&["今年度下期", "今年度中"]));
        } else if fy == self.year + 1 && self.stable.chance(0.6) {
            out.push_str("来年度");
        } else if fy <= self.year + 2 {
            self.fiscal(fy, out);
        } else {
            self.fiscal(self.year + 3, out);
            out.push_str("以降");
        }
    }
}

/// How one company writes the dates of one item.
fn pick_date_fmt(style: &Style, r: &mut Rng) -> DateFmt {
    if r.chance(style.era_rate) {
        if r.chance(0.85) { DateFmt::Era } else { DateFmt::EraFiscal }
    } else if style.slash_dates && r.chance(0.5) {
        DateFmt::Slash
    } else {
        match r.below(20) {
            0..=1 => DateFmt::Year,
            2..=3 => DateFmt::Fiscal,
            _ => DateFmt::Western,
        }
    }
}

/// 令和4年 / 令和元年 / 平成30年 for a calendar month (Reiwa began 2019-05).
pub(crate) fn era_year(year: i32, month: i32) -> String {
    if year > 2019 || (year == 2019 && month >= 5) {
        let n = year - 2018;
        if n == 1 { "令和元年".to_owned() } else { format!("令和{n}年") }
    } else {
        format!("平成{}年", year - 1988)
    }
}

/// The era year of a fiscal year: FY2019 is 令和元年度 (the era began
/// in May, but the fiscal year is named after it).
fn era_fiscal_year(fy: i32) -> String {
    era_year(fy, 5)
}

/// ASCII digits to full width (２０２２年).
pub(crate) fn to_fullwidth_digits(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(u32::from(c) - 0x30 + 0xFF10).unwrap_or(c) } else { c })
        .collect()
}

/// Expands a template: each `{key}` is replaced by what `slot` writes for
/// it; an unclosed brace is kept as text.
pub(crate) fn fill_template(template: &str, mut slot: impl FnMut(&str, &mut String)) -> String {
    let mut out = String::with_capacity(template.len() + 48);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        slot(&after[..close], &mut out);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn era_boundaries() {
        assert_eq!(era_year(2019, 4), "平成31年");
        assert_eq!(era_year(2019, 5), "令和元年");
        assert_eq!(era_year(2022, 1), "令和4年");
        assert_eq!(era_year(2010, 7), "平成22年");
        assert_eq!(era_fiscal_year(2019), "令和元年");
        assert_eq!(era_fiscal_year(2018), "平成30年");
    }

    #[test]
    fn fullwidth_digits() {
        assert_eq!(to_fullwidth_digits("2022年10月"), "２０２２年１０月");
    }

    #[test]
    fn every_done_template_carries_a_date() {
        for list in [
            DONE_RULE,
            DONE_RULE_REVISED,
            DONE_RULE_PARENT,
            DONE_REVIEW,
            DONE_TRAINING,
            DONE_INVENTORY,
            DONE_AGREEMENT,
            DONE_ORGANIZATION,
            DONE_SYSTEM,
            DONE_SYSTEM_PARENT,
            DONE_PHYSICAL,
            DONE_TERSE,
            DONE_TERSE_PERIODIC,
        ] {
            for t in list {
                assert!(t.contains("{d}") || t.contains("{r}"), "{t}");
            }
        }
        for list in [DONE_REVIEW, DONE_TRAINING, DONE_INVENTORY, DONE_ORGANIZATION] {
            let first = list.first().copied().unwrap_or_default();
            assert!(!(first.contains("{d}") && first.contains("{r}")), "first template is the fallback: {first}");
        }
        for list in [
            PROGRESS_RULE,
            PROGRESS_REVIEW,
            PROGRESS_TRAINING,
            PROGRESS_INVENTORY,
            PROGRESS_AGREEMENT,
            PROGRESS_ORGANIZATION,
            PROGRESS_SYSTEM,
            PROGRESS_PHYSICAL,
            PROGRESS_SMALL,
            PROGRESS_TERSE,
        ] {
            for t in list {
                assert!(t.contains("{p}"), "{t}");
            }
        }
    }
}
