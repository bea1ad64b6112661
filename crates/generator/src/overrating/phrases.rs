//! The two disjoint phrase families over-rated evidence is written from.
//!
//! [`TUNING`] is what a detector may be tuned on; [`HELD_OUT`] is what it is
//! measured on. The families differ in vocabulary and sentence shape, not
//! only in numbers: no template string is shared, and no literal piece of
//! three or more characters of one family occurs in the other (tested).
//! Held-out phrasings also steer clear of the honest generator's own 0/1
//! wording where they can, so that a detector cannot recognise them from
//! honest sheets either.
//!
//! Slots, filled from the item's wording plan and the sheet:
//! `{n}` noun (規程, system, activity…), `{o}` what the item is about,
//! `{s}` the item's subject as the catalog words it, `{g}` the field
//! (「アクセス管理」), `{a}` the responsible area, `{vn}` the verb as a noun
//! (導入, 策定…), `{vs}` the same before する (締結 for 取り交わし), `{pv}` the verb of applying it somewhere (導入, 適用…),
//! `{z}` 済/済み as the sheet writes it, `{d}` a month before the answer,
//! `{fd}` a month after the answer, `{k}`/`{j}` sites in all / covered,
//! `{pc}` a share in percent, `{w}` a covered part, `{x}` the missing part.

/// Phrases of one family, per pattern.
#[derive(Debug)]
pub(crate) struct Family {
    /// PlannedAsDone for an item not started (honest 0): planned,
    /// considered, budgeted, postponed.
    pub planned_not_started: &'static [&'static str],
    /// PlannedAsDone for an item under way (honest 1): being prepared, a
    /// draft.
    pub planned_underway: &'static [&'static str],
    /// PartialAsDone: done in some places or for some people only.
    pub partial: &'static [&'static str],
    /// GuessedAsDone: believed, not known.
    pub guessed: &'static [&'static str],
    /// EmptyEvidence: nothing, a mark, or the subject restated.
    pub empty: &'static [&'static str],
    /// MissingPart: the clause of a covered part.
    pub part_covered: &'static [&'static str],
    /// MissingPart: the clause that denies the missing part.
    pub part_denied: &'static [&'static str],
    /// FutureDate: done "on" a month after the answer.
    pub future: &'static [&'static str],
    /// NotApplicableWithoutReason: no reason at all.
    pub na_bare: &'static [&'static str],
    /// NotApplicableWithoutReason: only the company's size as the reason.
    pub na_size: &'static [&'static str],
    /// NotApplicableWithoutReason: a reason that sounds fine, used only on
    /// items that apply to every company (`universal`).
    pub na_universal: &'static [&'static str],
    /// OneWithNothing: nothing done and nothing planned.
    pub nothing: &'static [&'static str],
    /// CapacityClaim: thin claims by capability tag (`lv3` for Lv3 items
    /// without one), never naming who does the work.
    pub capacity: &'static [(&'static str, &'static [&'static str])],
}

impl Family {
    /// Every template of the family, pattern by pattern.
    #[cfg(test)]
    pub(crate) fn all(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for list in [
            self.planned_not_started,
            self.planned_underway,
            self.partial,
            self.guessed,
            self.empty,
            self.part_covered,
            self.part_denied,
            self.future,
            self.na_bare,
            self.na_size,
            self.na_universal,
            self.nothing,
        ] {
            out.extend_from_slice(list);
        }
        for (_, list) in self.capacity {
            out.extend_from_slice(list);
        }
        out
    }

    /// The capacity claims for a capability tag (or `lv3`).
    pub(crate) fn capacity_for(&self, tag: &str) -> &'static [&'static str] {
        self.capacity.iter().find(|(t, _)| *t == tag).map_or(&[][..], |(_, list)| list)
    }
}

/// The family detectors may be tuned on.
pub(crate) const TUNING: Family = Family {
    planned_not_started: &[
        "{n}を{vn}予定",
        "{n}の{vn}を検討中",
        "今年度中に{n}を{vn}予定",
        "{n}の{vn}計画あり",
        "{vn}について検討している",
    ],
    planned_underway: &["{n}は案を作成中", "{n}の{vn}作業中", "{n}は試行中で、正式な{vn}は予定段階"],
    partial: &[
        "本社のみ{n}を{pv}{z}（{d}）",
        "{n}を{d}に{pv}{z}（一部の部署のみ）",
        "{k}拠点のうち{j}拠点で{pv}{z}（{d}）",
        "{n}：本社分は{pv}{z}、工場は未対応",
        "主要部門のみ{n}を{pv}{z}（{d}）",
        "{n}は{d}に{pv}{z}だが、対象は本社のみ",
    ],
    guessed: &[
        "{n}は{vn}{z}と思われる",
        "前任者が{vs}したはず",
        "{n}は整備されているはず",
        "対応{z}と思われる",
        "{n}があると思われる",
        "{d}頃に{vs}したと思われる",
    ],
    empty: &["", "済", "○", "特になし", "同上", "{s}：済"],
    part_covered: &["{w}は{d}に対応{z}", "{w}：{d}より実施", "{w}の対応は{d}に完了"],
    part_denied: &["{x}は未実施", "{x}は未対応", "{x}は未着手"],
    future: &["{n}を{fd}に{vn}{z}", "{fd}{vn}完了", "{n}（{fd}{vn}）", "{fd}に{n}を{vs}し運用中", "{n}：{fd}{vn}{z}"],
    na_bare: &["", "該当なし", "対象外"],
    na_size: &["小規模のため該当しない", "当社規模では不要"],
    na_universal: &["当社では該当する業務がない", "対象となる業務なし"],
    nothing: &[
        "未実施",
        "特に対応していない",
        "現時点で予定なし",
        "{n}はない。予定も未定",
        "対応できていない",
        "{n}は未整備",
    ],
    capacity: &[
        ("cap-24x7", &["24時間365日監視している", "夜間も監視{z}"]),
        ("cap-soc", &["SOC体制を構築{z}", "ログ相関分析を実施{z}"]),
        ("cap-csirt", &["CSIRTを設置{z}", "インシデント対応チームを編成{z}"]),
        ("cap-sod", &["申請者と承認者を分けている", "権限分離{z}"]),
        ("cap-audit", &["重要取引先の対策状況を毎年確認{z}", "子会社・取引先を年次で把握{z}"]),
        ("cap-committee", &["委員会を設置{z}", "経営層による委員会で判断{z}"]),
        ("lv3", &["{n}を{vn}{z}", "{o}は対応{z}", "{n}により対応{z}"]),
    ],
};

/// The family detectors are measured on.
pub(crate) const HELD_OUT: Family = Family {
    planned_not_started: &[
        "{n}は予算申請中",
        "{n}の{vn}は諸事情により延期となった",
        "{n}については見積りを取り、社内で比較している段階",
        "{g}の強化は次期の中期経営方針で扱う方向",
        "{n}は来期の取り組みテーマとして挙がっている",
        "{n}の{vn}は一旦見送りとし、改めて判断する",
    ],
    planned_underway: &[
        "{n}の{vn}に向けて準備を進めている",
        "来期からの運用開始を目指し、社内調整している",
        "{n}はドラフト版を作成し、承認待ちの状態",
        "{n}の骨子を固めつつあり、年明けの決裁を目指す",
        "{n}は関係部署と内容をすり合わせている最中",
    ],
    partial: &[
        "{d}から第一工場で{n}を運用している（他工場は順次）",
        "管理部門には{d}に{pv}した。製造現場にはまだ及んでいない",
        "{n}は事務所側では運用中。倉庫・物流センターは手当てできていない",
        "全{k}工場中、{j}工場で運用を開始（{d}）",
        "{n}：{d}に{pv}。適用範囲は全体の約{pc}％",
        "{n}を{d}に{pv}し、正社員分は終わった（派遣・パートは未）",
        "国内拠点は{d}に{pv}を終え、海外拠点はこれからになる",
    ],
    guessed: &[
        "{n}はあったと記憶している",
        "担当者の異動で詳細は不明だが、{vs}していたと聞いている",
        "おそらく{a}部門で対応しているものと認識",
        "{n}は以前から運用されていると理解している",
        "たぶん問題なく実施できている",
        "{n}については{d}頃に整えた記憶がある（要確認）",
        "親会社の指示で対応したものと推察する",
    ],
    empty: &["　", "OK", "前回回答のとおり", "問題ありません", "－", "実施している", "{s}について対応しております"],
    part_covered: &[
        "{w}については{d}から運用している",
        "{d}に{w}の仕組みを整えた",
        "{w}は{d}以降継続して行っている",
        "{w}：{d}〜運用",
    ],
    part_denied: &[
        "{x}は今後の課題",
        "{x}の方はまだ追いついていない",
        "{x}については次年度以降に考える",
        "{x}は現状なし",
    ],
    future: &[
        "{fd}付で{n}の運用を開始",
        "{n}は{fd}より本番稼働",
        "{fd}に社内承認を得て{vs}した",
        "{n}を整え、{fd}から適用している",
        "{fd}をもって対応を終えた",
        "{n}は{fd}に全拠点へ展開した",
    ],
    na_bare: &["－", "N/A", "なし"],
    na_size: &[
        "従業員数が少ないため適用外と判断",
        "少人数の会社であり必要性は低い",
        "専任の担当者がおらず、当社には適用できない",
    ],
    na_universal: &["当社の事業内容には関係しない", "取り扱いがないため", "当社の業態にはそぐわない"],
    nothing: &[
        "手つかずの状態",
        "今のところ取り組む計画はない",
        "必要性を感じておらず、何も手を付けていない",
        "{n}は持っていない",
        "これまで取り組んだことはない",
        "人員が足りず、そこまで対応しきれていない",
        "{g}については何も決まっていない",
    ],
    capacity: &[
        ("cap-24x7", &["休日・深夜の異常にも即応できる体制", "常時アラートを受け取れるようにしている"]),
        ("cap-soc", &["自社で予兆を捉えて分析できている", "脅威の兆候を常に把握している"]),
        ("cap-csirt", &["有事には社内で即座に対処できる", "事故対応の専門チームが社内にある"]),
        ("cap-sod", &["承認は別の者が行う運用", "作業者とチェック者は別"]),
        ("cap-audit", &["主要なパートナーは全て状況を押さえている", "関係会社の状態は毎年見ている"]),
        ("cap-committee", &["役員が加わる会議体で審議している", "トップが参加する場で都度決めている"]),
        ("lv3", &["{n}について社内で回している", "{o}：自社で実施", "{n}は当社で運用中"]),
    ],
};
