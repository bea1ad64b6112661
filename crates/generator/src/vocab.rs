//! Fragment tables the evidence texts are composed from.
//!
//! Two tables drive the wording. [`TOPICS`] holds, per catalog category,
//! the responsible area, the default kind of control and a few documents,
//! systems or activities typical of it (also used for items whose subject
//! is 「（未確認）」). [`CONCEPTS`] refines this by keyword of the item's
//! subject (「ファイアウォール」, 「誓約書」, 「バックアップ」…), so a text
//! names the thing the item is about. Nothing here is official wording.

/// What kind of control an item asks for; decides the verbs of its texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A rule, policy or procedure document (制定).
    Rule,
    /// A periodic check or review (点検).
    Review,
    /// Education, training or awareness (実施).
    Training,
    /// A ledger, list or diagram (作成・更新).
    Inventory,
    /// An agreement or pledge with people or partners (取り交わし).
    Agreement,
    /// A structure: committee, roles, contact routes (整備).
    Organization,
    /// A technical system or tool (導入).
    System,
    /// A physical measure (設置).
    Physical,
}

impl Kind {
    /// The verb as a noun (策定, 導入…): 「{noun}の{verb}」.
    pub(crate) fn verb_noun(self) -> &'static str {
        match self {
            Kind::Rule => "策定",
            Kind::Review => "点検",
            Kind::Training => "実施",
            Kind::Inventory => "作成",
            Kind::Agreement => "取り交わし",
            Kind::Organization => "整備",
            Kind::System => "導入",
            Kind::Physical => "設置",
        }
    }

    /// The verb in plain form (策定する…): 「{noun}を{verb}予定」.
    pub(crate) fn verb_plain(self) -> &'static str {
        match self {
            Kind::Rule => "策定する",
            Kind::Review => "点検する",
            Kind::Training => "実施する",
            Kind::Inventory => "作成する",
            Kind::Agreement => "取り交わす",
            Kind::Organization => "整備する",
            Kind::System => "導入する",
            Kind::Physical => "設置する",
        }
    }
}

/// Wording typical of one catalog category.
#[derive(Debug)]
pub(crate) struct Topic {
    /// The catalog category (ラベル) this entry is for.
    pub category: &'static str,
    /// 担当領域 (responsible area) written into the sheet.
    pub area: &'static str,
    /// Default kind of control.
    pub kind: Kind,
    /// Nouns fitting `kind` (documents, activities, ledgers, systems…).
    pub nouns: &'static [&'static str],
    /// Rule documents of the category (for reviews and rule parts).
    pub docs: &'static [&'static str],
    /// A short name of the field (「アクセス管理」), for items whose own
    /// subject is unknown: their texts are phrased from it.
    pub generic: &'static str,
}

/// The fallback category for items without one.
pub(crate) const FALLBACK: Topic = Topic {
    category: "その他",
    area: "情報セキュリティ",
    kind: Kind::Rule,
    nouns: &["情報セキュリティ管理規程", "情報セキュリティ実施手順"],
    docs: &["情報セキュリティ管理規程"],
    generic: "セキュリティ対策",
};

/// Per-category wording, keyed by the catalog's `category`.
pub(crate) const TOPICS: &[Topic] = &[
    Topic {
        category: "方針",
        area: "情報セキュリティ",
        kind: Kind::Rule,
        nouns: &["情報セキュリティ基本規程", "情報セキュリティ管理規程", "情報セキュリティポリシー"],
        docs: &["情報セキュリティ基本規程", "情報セキュリティポリシー", "情報セキュリティ管理規程"],
        generic: "セキュリティ方針",
    },
    Topic {
        category: "人的管理",
        area: "人事",
        kind: Kind::Rule,
        nouns: &["就業規則", "秘密保持規程", "人事規程のセキュリティ条項"],
        docs: &["就業規則", "秘密保持規程"],
        generic: "人的管理",
    },
    Topic {
        category: "体制",
        area: "情報セキュリティ",
        kind: Kind::Organization,
        nouns: &["情報セキュリティ推進体制表", "セキュリティ推進体制図", "情報セキュリティ組織規程"],
        docs: &["情報セキュリティ組織規程", "情報セキュリティ基本規程"],
        generic: "推進体制",
    },
    Topic {
        category: "情報共有",
        area: "情報セキュリティ",
        kind: Kind::Training,
        nouns: &["セキュリティ情報の社内掲示", "注意喚起メールの配信", "イントラでの事例紹介"],
        docs: &["情報セキュリティ管理規程"],
        generic: "情報共有",
    },
    Topic {
        category: "監視",
        area: "IT",
        kind: Kind::System,
        nouns: &["SOCサービス", "統合ログ監視", "SIEM"],
        docs: &["セキュリティ監視運用手順書"],
        generic: "セキュリティ監視",
    },
    Topic {
        category: "インシデント対応",
        area: "リスク",
        kind: Kind::Rule,
        nouns: &["インシデント対応規程", "インシデント対応手順書", "緊急時対応マニュアル"],
        docs: &["インシデント対応規程", "緊急時対応マニュアル"],
        generic: "インシデント対応",
    },
    Topic {
        category: "教育",
        area: "情報セキュリティ",
        kind: Kind::Training,
        nouns: &["情報セキュリティ教育", "全従業員向けeラーニング", "集合研修", "新入社員研修"],
        docs: &["情報セキュリティ教育計画", "教育実施要領"],
        generic: "セキュリティ教育",
    },
    Topic {
        category: "取引先管理",
        area: "購買・調達",
        kind: Kind::Agreement,
        nouns: &["秘密保持契約", "委託契約のセキュリティ条項", "取引基本契約の情報管理条項"],
        docs: &["委託先管理規程", "取引先管理基準"],
        generic: "取引先管理",
    },
    Topic {
        category: "アクセス管理",
        area: "IT",
        kind: Kind::Rule,
        nouns: &["アクセス管理規程", "ID・パスワード管理基準", "アカウント管理手順"],
        docs: &["アクセス管理規程", "ID・パスワード管理基準"],
        generic: "アクセス管理",
    },
    Topic {
        category: "ログ監視",
        area: "IT",
        kind: Kind::System,
        nouns: &["ログ管理サーバ", "統合ログ管理ツール", "SIEM"],
        docs: &["ログ管理規程"],
        generic: "ログ管理",
    },
    Topic {
        category: "情報管理",
        area: "情報セキュリティ",
        kind: Kind::Rule,
        nouns: &["情報管理規程", "文書管理規程", "機密情報管理基準"],
        docs: &["情報管理規程", "機密情報管理基準"],
        generic: "情報管理",
    },
    Topic {
        category: "資産管理",
        area: "IT",
        kind: Kind::Inventory,
        nouns: &["IT資産管理台帳", "資産管理ツールの台帳", "機器管理台帳"],
        docs: &["情報機器管理規程", "IT資産管理規程"],
        generic: "資産管理",
    },
    Topic {
        category: "計画",
        area: "情報セキュリティ",
        kind: Kind::Rule,
        nouns: &["年間セキュリティ計画", "情報セキュリティ年度計画"],
        docs: &["情報セキュリティ基本規程"],
        generic: "セキュリティ計画",
    },
    Topic {
        category: "外部サービス",
        area: "IT",
        kind: Kind::Rule,
        nouns: &["クラウドサービス利用基準", "外部サービス利用規程"],
        docs: &["クラウドサービス利用基準"],
        generic: "外部サービス管理",
    },
    Topic {
        category: "リモートワーク",
        area: "IT",
        kind: Kind::Rule,
        nouns: &["テレワーク勤務規程", "リモートワーク利用ルール"],
        docs: &["テレワーク勤務規程"],
        generic: "リモートワーク",
    },
    Topic {
        category: "物理",
        area: "総務",
        kind: Kind::Physical,
        nouns: &["ICカードによる入退室認証システム", "サーバラックの施錠", "監視カメラ"],
        docs: &["入退室管理規程", "物理セキュリティ基準"],
        generic: "物理セキュリティ",
    },
    Topic {
        category: "構成管理",
        area: "IT",
        kind: Kind::Rule,
        nouns: &["PC標準設定手順書", "サーバ構築標準", "設定管理手順書"],
        docs: &["情報機器管理規程", "サーバ構築標準"],
        generic: "構成管理",
    },
    Topic {
        category: "ネットワーク",
        area: "IT",
        kind: Kind::System,
        nouns: &["UTM", "ファイアウォール", "VLANによるネットワーク分離"],
        docs: &["ネットワーク管理基準"],
        generic: "ネットワーク対策",
    },
    Topic {
        category: "脆弱性管理",
        area: "IT",
        kind: Kind::System,
        nouns: &["資産管理ツールのパッチ配信機能", "脆弱性スキャナ", "WSUS"],
        docs: &["脆弱性対応手順書", "パッチ適用手順"],
        generic: "脆弱性対応",
    },
    Topic {
        category: "暗号化",
        area: "IT",
        kind: Kind::System,
        nouns: &["BitLocker", "ディスク暗号化ソフト", "暗号化USBメモリ"],
        docs: &["情報機器持出し規程"],
        generic: "暗号化",
    },
    Topic {
        category: "マルウェア対策",
        area: "IT",
        kind: Kind::System,
        nouns: &["ウイルス対策ソフト", "EDR", "統合エンドポイント対策製品"],
        docs: &["マルウェア対策基準"],
        generic: "マルウェア対策",
    },
    Topic {
        category: "事業継続",
        area: "リスク",
        kind: Kind::Rule,
        nouns: &["事業継続計画（BCP）", "IT-BCP", "システム復旧計画"],
        docs: &["事業継続計画（BCP）", "IT-BCP"],
        generic: "事業継続",
    },
];

/// The wording entry for a category, or [`FALLBACK`].
pub(crate) fn topic(category: Option<&str>) -> &'static Topic {
    category.and_then(|c| TOPICS.iter().find(|t| t.category == c)).unwrap_or(&FALLBACK)
}

/// Items that can be 該当なし together, for one reason: an item belongs to
/// the first group one of whose keywords its subject contains. A company
/// either lacks the thing (every item of the group is 該当なし) or not.
#[derive(Debug)]
pub(crate) struct NaGroup {
    /// Matched against the item's subject by containment.
    pub keywords: &'static [&'static str],
    /// Ways to say why the items do not apply.
    pub reasons: &'static [&'static str],
}

/// The 該当なし groups.
pub(crate) const NA_GROUPS: &[NaGroup] = &[
    NaGroup {
        keywords: &["サーバ設置エリア"],
        reasons: &[
            "自社にサーバを設置しておらず（全てクラウド）、該当しない",
            "サーバは親会社のデータセンターに設置しており、当社には該当しない",
        ],
    },
    NaGroup {
        keywords: &["リモートワーク"],
        reasons: &["リモートワーク制度がなく全員出社のため該当しない", "テレワークを認めていないため該当なし"],
    },
    NaGroup {
        keywords: &["クラウド"],
        reasons: &[
            "クラウドサービスを利用しておらず該当しない",
            "外部の情報サービスを業務で利用していないため該当なし",
        ],
    },
    NaGroup {
        keywords: &["取引先との", "取引先ごと", "取引先の対策"],
        reasons: &["機密情報を授受する取引先がないため該当なし", "機密情報のやり取りがある取引先はなく、該当しない"],
    },
    NaGroup {
        keywords: &["契約終了時"],
        reasons: &["外部への業務委託を行っていないため該当しない", "委託先・派遣先との契約がないため該当なし"],
    },
    NaGroup {
        keywords: &["派遣元"], reasons: &["派遣社員・出向者を受け入れていないため該当しない"]
    },
    NaGroup {
        keywords: &["接続システム"],
        reasons: &["外部組織が管理するシステムとの接続がないため該当しない", "取引先システムとの接続はなく該当なし"],
    },
    NaGroup {
        keywords: &["工場NW"], reasons: &["公開サーバ・工場ネットワークを保有していないため該当しない"]
    },
    NaGroup {
        keywords: &["社外持出し"], reasons: &["PC・媒体の社外持出しを一切禁止しているため該当しない"]
    },
];

/// Noun patterns for items whose subject is unknown, by kind; `{g}` is the
/// category's [`Topic::generic`]. They stay vague on purpose, so they never
/// contradict what a known item of the same category says.
pub(crate) fn generic_nouns(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Rule | Kind::Review => &["{g}関連の規定", "{g}の手順書"],
        Kind::Training => &["当該教育・訓練", "{g}に関する説明会"],
        Kind::Inventory => &["{g}関連の管理台帳", "{g}の管理表"],
        Kind::Agreement => &["{g}に関する取決め", "当該事項の取決め"],
        Kind::Organization => &["{g}の体制", "当該事項の担当体制"],
        Kind::System => &["{g}用のツール", "{g}関連のシステム"],
        Kind::Physical => &["{g}設備", "当該エリアの設備"],
    }
}

/// Wording for items whose subject contains `keyword`.
#[derive(Debug)]
pub(crate) struct Concept {
    /// Matched against the item's `subject_ja` by containment.
    pub keyword: &'static str,
    /// The kind of control.
    pub kind: Kind,
    /// Nouns fitting `kind`.
    pub nouns: &'static [&'static str],
    /// Optional detail sentences for longer texts of a 2.
    pub extras: &'static [&'static str],
}

const fn c(
    keyword: &'static str,
    kind: Kind,
    nouns: &'static [&'static str],
    extras: &'static [&'static str],
) -> Concept {
    Concept { keyword, kind, nouns, extras }
}

/// Keyword refinements, first match wins. Subjects ending in 点検 / 見直し /
/// モニタリング are reviews and are recognised before this table.
pub(crate) const CONCEPTS: &[Concept] = &[
    c(
        "対応方針",
        Kind::Rule,
        &["情報セキュリティ基本方針", "情報セキュリティポリシー", "情報セキュリティ基本規程"],
        &["全従業員に配付し、入社時にも説明している", "社長名で発行している"],
    ),
    c(
        "常時参照",
        Kind::Training,
        &["社内ポータルへの規程掲載と改正時の全社周知", "規程類のイントラ掲載と改正時のメール通知"],
        &[],
    ),
    c(
        "守秘義務ルール",
        Kind::Rule,
        &["秘密保持規程", "就業規則の秘密保持条項"],
        &["入社時のオリエンテーションで説明している", "受入れ時に説明し、説明記録を残している"],
    ),
    c("誓約書", Kind::Agreement, &["秘密保持誓約書", "機密保持誓約書"], &["入社時と異動時に取得している"]),
    c("派遣元", Kind::Agreement, &["派遣契約の秘密保持条項", "出向契約の守秘義務条項"], &[]),
    c(
        "退職",
        Kind::Rule,
        &["退職時チェックリスト", "退職手続規程"],
        &["貸与PC・スマートフォン・社員証の返却を確認している"],
    ),
    c("法令を考慮", Kind::Rule, &["情報セキュリティ関連規程", "情報管理規程"], &[]),
    c(
        "外部からの要求",
        Kind::Rule,
        &["情報セキュリティ管理規程", "顧客要求対応手順"],
        &["主要取引先のセキュリティ要求事項を反映している"],
    ),
    c("推進体制", Kind::Organization, &["情報セキュリティ推進体制表", "セキュリティ推進体制図"], &[]),
    c(
        "委員会",
        Kind::Organization,
        &["情報セキュリティ委員会", "リスク管理委員会（セキュリティ分科会）"],
        &["社長を委員長とし四半期ごとに開催している"],
    ),
    c("攻撃手口", Kind::Training, &["IPA・JPCERT/CCの注意喚起情報の社内掲示", "新たな攻撃事例の社内メール配信"], &[]),
    c("脅威情報", Kind::System, &["SOCサービス", "SIEM"], &[]),
    c(
        "連絡先・ルート",
        Kind::Organization,
        &["インシデント連絡体制図", "緊急連絡網"],
        &["夜間・休日の連絡先も記載している"],
    ),
    c("報告様式", Kind::Rule, &["インシデント報告書様式", "事故報告フォーム"], &[]),
    c("範囲・レベル", Kind::Rule, &["インシデントレベル判定基準", "インシデント対応規程"], &[]),
    c(
        "対応手順",
        Kind::Rule,
        &["インシデント対応手順書", "緊急時対応マニュアル"],
        &["初動対応のフローチャートを各部署に掲示している"],
    ),
    c(
        "メール経由",
        Kind::Training,
        &["標的型攻撃メール訓練", "不審メール対応のeラーニング"],
        &["イントラでの注意喚起も適宜実施"],
    ),
    c("Web閲覧", Kind::Training, &["Web閲覧時の注意に関するeラーニング", "セキュリティ研修（Web閲覧編）"], &[]),
    c("機密区分の定義と取扱い", Kind::Training, &["情報の取扱い教育", "機密区分に関する研修"], &[]),
    c("経営層が役割", Kind::Training, &["役員向けセキュリティ勉強会", "経営層向け説明会"], &[]),
    c("再認識", Kind::Training, &["情報セキュリティ月間の全社教育", "全従業員向けeラーニング"], &[]),
    c("職場固有", Kind::Training, &["職場ごとのセキュリティ朝礼", "部門別のルール説明会"], &[]),
    c("実施記録", Kind::Inventory, &["教育受講記録", "研修実施記録"], &["5年間保管している"]),
    c("インシデント発生時の対応", Kind::Training, &["インシデント対応訓練", "初動対応の机上訓練"], &[]),
    c(
        "年次把握",
        Kind::Inventory,
        &["取引先セキュリティチェックシート", "子会社・取引先の自己評価結果"],
        &["影響の大きい取引先から優先して回収している"],
    ),
    c("契約終了時", Kind::Rule, &["委託先管理規程", "契約終了時チェックリスト"], &[]),
    c("機密情報取扱いの取決め", Kind::Agreement, &["秘密保持契約（NDA）", "機密保持契約"], &[]),
    c(
        "役割・責任の取決め",
        Kind::Agreement,
        &["インシデント時の連絡・対応に関する覚書", "取引基本契約のセキュリティ条項"],
        &[],
    ),
    c("アクセス権・入室権限", Kind::Rule, &["アクセス権管理規程", "入退室管理規程"], &[]),
    c("権限付与条件", Kind::Rule, &["アクセス権管理基準", "システム権限付与手順"], &["申請者と承認者を分離している"]),
    c("調査用ログ", Kind::System, &["ログ管理サーバ", "統合ログ管理ツール"], &["1年間保管している"]),
    c("機密区分に応じた", Kind::Rule, &["情報管理規程", "機密情報管理基準"], &[]),
    c("管理者・保管場所", Kind::Inventory, &["機密情報管理台帳", "重要情報一覧"], &[]),
    c("情報機器・ソフトウェアの管理ルール", Kind::Rule, &["情報機器管理規程", "IT資産管理規程"], &[]),
    c("台帳管理", Kind::Inventory, &["IT資産管理台帳", "資産管理ツールの台帳"], &["資産管理ツールで自動収集している"]),
    c("データ消去", Kind::Rule, &["機器廃棄手順書", "情報機器廃棄規程"], &[]),
    c(
        "年次セキュリティ計画",
        Kind::Rule,
        &["年間セキュリティ計画", "情報セキュリティ年度計画"],
        &["取締役会で報告している"],
    ),
    c("経営層の指示", Kind::Inventory, &["経営会議議事録", "指示事項管理表"], &[]),
    c("授受情報", Kind::Inventory, &["取引先別の情報授受一覧", "情報授受管理表"], &[]),
    c("構成図の作成", Kind::Inventory, &["ネットワーク構成図", "社内ネットワーク構成図"], &[]),
    c(
        "クラウド",
        Kind::Rule,
        &["クラウドサービス利用基準", "外部サービス利用規程"],
        &["利用サービスは申請・承認制としている"],
    ),
    c("接続システムの把握", Kind::Inventory, &["外部接続システム一覧", "接続先管理台帳"], &[]),
    c(
        "リモートワークの機器",
        Kind::Rule,
        &["テレワーク勤務規程", "リモートワーク利用ルール"],
        &["会社貸与PCのみ利用可としている"],
    ),
    c("入場可能者", Kind::Inventory, &["サーバ室入室許可者リスト", "入室権限者一覧"], &[]),
    c(
        "施錠",
        Kind::Physical,
        &["ICカードによる入退室認証システム", "サーバ室の施錠管理"],
        &["鍵は総務部で管理している"],
    ),
    c(
        "入退記録",
        Kind::Physical,
        &["入退室管理システム", "入退室記録用のカードリーダー"],
        &["記録は1年間保管している"],
    ),
    c("不正侵入", Kind::Physical, &["監視カメラ", "侵入検知センサー"], &["録画は30日間保存している"]),
    c("持込みルール", Kind::Rule, &["機器・媒体持込み管理規程", "持込み申請ルール"], &[]),
    c("持出しルール", Kind::Rule, &["持出し管理規程", "情報機器持出し申請ルール"], &[]),
    c("標準セキュリティ設定", Kind::Rule, &["PC標準設定手順書", "サーバ構築標準"], &[]),
    c(
        "許可ソフトウェアの一覧",
        Kind::Inventory,
        &["許可ソフトウェア一覧", "ソフトウェア管理台帳"],
        &["一覧外のソフトは申請制としている"],
    ),
    c("サーバ保管ルール", Kind::Rule, &["データ保存ルール", "ファイルサーバ運用規程"], &[]),
    c("不要サービス", Kind::Rule, &["サーバ構築チェックリスト", "初期設定変更手順"], &[]),
    c("未許可ソフトウェア", Kind::System, &["資産管理ツール", "ソフトウェア制御ツール"], &["月次で棚卸しを行っている"]),
    c(
        "インターネット境界",
        Kind::System,
        &["ファイアウォール（UTM）", "次世代ファイアウォール"],
        &["不要な通信は遮断している"],
    ),
    c("ファイアウォールの設定", Kind::Rule, &["ファイアウォール設定変更手順", "FWルール管理表"], &[]),
    c("セグメント分離", Kind::System, &["VLANによるセグメント分離", "工場ネットワークとの分離"], &[]),
    c("不正Webサイト", Kind::System, &["Webフィルタリング", "URLフィルタリング"], &[]),
    c("共有禁止", Kind::Rule, &["ID管理規程", "アカウント管理基準"], &[]),
    c("管理者ID", Kind::Rule, &["特権ID管理手順", "管理者アカウント管理基準"], &[]),
    c("パスワードの設定", Kind::Rule, &["パスワード管理基準", "ID・パスワード管理規程"], &[]),
    c("パスワードに関する追加", Kind::System, &["ドメインのパスワードポリシー設定", "アカウントロックアウト設定"], &[]),
    c("不要なID", Kind::Rule, &["アカウント棚卸し手順", "退職者ID削除手順"], &["人事異動の都度、棚卸ししている"]),
    c("申請承認", Kind::Rule, &["ID申請ワークフロー", "アカウント申請・承認手順"], &[]),
    c(
        "多要素認証",
        Kind::System,
        &["多要素認証（ワンタイムパスワード）", "スマートフォン認証アプリによる多要素認証"],
        &[],
    ),
    c("サポート切れ", Kind::Rule, &["OS更改計画", "サポート切れ機器の更新計画"], &[]),
    c(
        "パッチ",
        Kind::System,
        &["WSUSによるパッチ配信", "資産管理ツールの自動パッチ適用"],
        &["適用状況は月次で確認している"],
    ),
    c("脆弱性情報", Kind::Rule, &["脆弱性対応手順書", "脆弱性情報収集手順"], &["JVNの情報を週次で確認している"]),
    c("暗号化", Kind::System, &["BitLocker", "暗号化USBメモリ", "ディスク暗号化ソフト"], &[]),
    c("外部から受け取ったファイル", Kind::System, &["ファイル無害化ツール", "サンドボックス"], &[]),
    c("ファイル共有・送信", Kind::Rule, &["社外ファイル送受信ルール", "ファイル共有サービス利用基準"], &[]),
    c(
        "マルウェア対策ソフト",
        Kind::System,
        &["ウイルス対策ソフト", "EDR（CyberSentry）", "EDR"],
        &["全PC・サーバで週1回フルスキャンを実施"],
    ),
    c("定義ファイル", Kind::System, &["ウイルス対策ソフトの自動更新", "管理サーバからの定義ファイル配信"], &[]),
    c("メールのマルウェア", Kind::System, &["メールゲートウェイ", "クラウドメールのマルウェアスキャン"], &[]),
    c("リアルタイム検知", Kind::System, &["IDS/IPS", "UTMのIPS機能"], &[]),
    c("ログの取得", Kind::System, &["ログ管理サーバ", "SIEM"], &[]),
    c("即時通知", Kind::System, &["監視ツールのアラートメール通知", "統合監視サービス"], &[]),
    c("不正サーバ", Kind::System, &["DNSフィルタリング", "UTMのC&C通信遮断機能"], &[]),
    c("バックアップ", Kind::System, &["NASへの日次バックアップ", "バックアップソフト"], &[]),
    c("リストア", Kind::Rule, &["リストア手順書", "システム復旧手順書"], &[]),
    c(
        "代替手段",
        Kind::Rule,
        &["IT-BCP", "事業継続計画（BCP）"],
        &["3日間のシステム停止を想定し、紙伝票での受注手順を定めている"],
    ),
    c("目標時間内の復旧", Kind::Training, &["リストア訓練", "復旧テスト"], &[]),
];

/// The first concept whose keyword the subject contains.
pub(crate) fn concept(subject: &str) -> Option<&'static Concept> {
    CONCEPTS.iter().find(|c| subject.contains(c.keyword))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_topic_and_concept_has_words() {
        for t in TOPICS {
            assert!(!t.nouns.is_empty() && !t.docs.is_empty(), "{}", t.category);
        }
        for c in CONCEPTS {
            assert!(!c.nouns.is_empty(), "{}", c.keyword);
        }
    }
}
