//! The ledger in the national registration form (农村留守儿童信息登记表) as a download:
//! `GET /exports/ledger.csv?regionId=<id>` and `GET /exports/ledger.xlsx?regionId=<id>`, with
//! the bearer token. One row per child, in the form's column order, guardians flattened as the
//! form has them (three, each with name, relation, phone, ID number and place of work).
//!
//! The rows are read page by page through the GraphQL query `children`, with the caller's
//! session, so the row scope, the field policy (masked values come masked) and the audit of
//! sensitive reads apply exactly as to the API; a column whose fields the caller may not read
//! is left out. Memory is bounded: the CSV is streamed a page (100 rows) at a time; the XLSX is
//! written in constant-memory mode (each finished row goes to a temporary file) and only the
//! finished, compressed file is held to be sent. Each export is one `ledger.export` audit
//! event with its format, region, columns and row count.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web::{self, Bytes},
};
use async_graphql::{ServerError, Variables};
use futures_util::stream;
use serde::Deserialize;
use serde_json::{Value, json};
use tracing_actix_web::RequestId;

use std::collections::HashMap;

use uuid::Uuid;

use crate::{
    audit::AuditRecord,
    auth::{Principal, RequestClient, RequestMeta, Session, throttle::Bucket},
    domain::{kind::Kind, submission},
    error::ApiError,
    graphql::AppSchema,
    graphql::ids,
    http::{
        exports::{error, refusal},
        graphql::{prepare, request_meta, session},
    },
    policy::Level,
    replica::ReadPlan,
    state::AppState,
};

/// Rows read per page.
const PAGE: usize = 100;

/// The key of a node's change within a submission, added by the export.
const CHANGE: &str = "change";

/// One column of the form.
struct Column {
    /// Its heading, as on the form.
    heading: String,
    /// The field of `Child` it reads.
    field: &'static str,
    /// The guardian it is about (0, 1, 2), for a guardian's column.
    guardian: Option<usize>,
    /// The field of the object `field` holds that it reads, if any: its type and name.
    sub: Option<(&'static str, &'static str)>,
    /// Whether it is read from the query (else the export adds it to each node itself).
    queried: bool,
}

impl Column {
    fn plain(heading: &str, field: &'static str) -> Self {
        Self {
            heading: heading.to_owned(),
            field,
            guardian: None,
            sub: None,
            queried: true,
        }
    }

    /// The submission's column: how each child changed (新增, 变更, 注销).
    fn change() -> Self {
        Self {
            queried: false,
            ..Self::plain("变动类型", CHANGE)
        }
    }

    fn of(heading: &str, field: &'static str, sub: (&'static str, &'static str)) -> Self {
        Self {
            sub: Some(sub),
            ..Self::plain(heading, field)
        }
    }

    /// Whether `role` reads every field the column shows (in full or masked).
    fn readable(&self, state: &AppState, role: entity::enums::Role) -> bool {
        let policy = &state.policy;
        policy.level("Child", self.field, Some(role)) != Level::None
            && self
                .sub
                .is_none_or(|(ty, f)| policy.level(ty, f, Some(role)) != Level::None)
    }

    /// Its value in a child's node, as text.
    fn value(&self, node: &Value) -> String {
        let mut value = &node[self.field];
        if let Some(i) = self.guardian {
            value = &value[i];
        }
        let mut key = self.field;
        if let Some((_, sub)) = self.sub {
            value = &value[sub];
            key = sub;
        }
        text(value, key)
    }
}

/// The form's columns, in its order.
fn form() -> Vec<Column> {
    let mut columns = vec![
        Column::plain("姓名", "name"),
        Column::plain("性别", "gender"),
        Column::plain("民族", "ethnicity"),
        Column::plain("出生日期", "birthDate"),
        Column::plain("身份证号", "idNumber"),
        Column::plain("是否有户籍", "householdRegistered"),
        Column::plain("户籍所在地", "householdRegistrationPlace"),
        Column::of("居住村（居）", "residenceVillage", ("Region", "name")),
        Column::plain("详细住址", "address"),
        Column::of("健康状况", "health", ("ChildHealth", "status")),
        Column::of("疾病名称", "health", ("ChildHealth", "illness")),
        Column::of("残疾类别", "health", ("ChildHealth", "disabilityCategory")),
        Column::of("残疾等级", "health", ("ChildHealth", "disabilityGrade")),
        Column::plain("就学阶段", "schoolingStage"),
        Column::of("就读学校", "school", ("Organization", "name")),
        Column::plain("年级", "grade"),
        Column::plain("是否寄宿", "boarding"),
        Column::plain("留守类型", "leftBehindType"),
        Column::plain("居住情况", "livingArrangement"),
        Column::plain("监护状况", "guardianshipQuality"),
        Column::plain("风险等级", "riskLevel"),
        Column::plain("家庭收入来源", "incomeSources"),
        Column::plain("享受政策", "benefits"),
    ];
    for n in 0..3 {
        for (heading, field) in [
            ("姓名", "name"),
            ("关系", "relation"),
            ("联系电话", "phone"),
            ("身份证号", "idNumber"),
            ("务工地点", "workLocation"),
        ] {
            columns.push(Column {
                heading: format!("监护人{}{heading}", n + 1),
                field: "guardians",
                guardian: Some(n),
                sub: Some(("Guardian", field)),
                queried: true,
            });
        }
    }
    columns.extend([
        Column::plain("填表人", "filledBy"),
        Column::plain("填表日期", "filledOn"),
        Column::plain("审核人", "reviewedBy"),
        Column::plain("审批人", "approvedBy"),
        Column::plain("状态", "status"),
    ]);
    columns
}

/// A JSON value of the field `key` as a cell's text, as the form writes it: enum values by
/// their Chinese names, yes or no as 是 and 否, lists joined with `、`.
fn text(value: &Value, key: &str) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(yes) => if *yes { "是" } else { "否" }.to_owned(),
        Value::String(s) => label(key, s).map_or_else(|| s.clone(), str::to_owned),
        Value::Array(items) => items
            .iter()
            .map(|item| text(item, key))
            .collect::<Vec<_>>()
            .join("、"),
        other => other.to_string(),
    }
}

/// The form's Chinese name of the value `value` of the enum field `key`, if it is one.
fn label(key: &str, value: &str) -> Option<&'static str> {
    Some(match (key, value) {
        ("gender", "MALE") => "男",
        ("gender", "FEMALE") => "女",
        ("status", "HEALTHY") => "健康",
        ("status", "DISABLED") => "残疾",
        ("status", "SERIOUSLY_ILL") => "患重病",
        ("status", "ACTIVE") => "在册",
        ("status", "PARENTS_RETURNED") => "父母返乡",
        ("status", "AGED_OUT") => "年满十六周岁",
        ("status", "MOVED_AWAY") => "迁出",
        ("status", "DECEASED") => "死亡",
        ("schoolingStage", "NOT_SCHOOL_AGE") => "未到入学年龄",
        ("schoolingStage", "KINDERGARTEN") => "学前教育",
        ("schoolingStage", "PRIMARY") => "小学",
        ("schoolingStage", "JUNIOR_SECONDARY") => "初中",
        ("schoolingStage", "SENIOR_SECONDARY") => "高中",
        ("schoolingStage", "VOCATIONAL") => "中职",
        ("schoolingStage", "DROPPED_OUT") => "辍学",
        ("schoolingStage", "NOT_IN_SCHOOL") => "未入学",
        ("leftBehindType", "BOTH_PARENTS_AWAY") => "父母均外出务工",
        ("leftBehindType", "ONE_PARENT_AWAY_OTHER_UNABLE") => "一方外出务工、另一方无监护能力",
        ("livingArrangement", "WITH_GRANDPARENTS") => "与祖父母共同生活",
        ("livingArrangement", "WITH_RELATIVES") => "与其他亲属共同生活",
        ("livingArrangement", "WITH_ENTRUSTED_GUARDIAN") => "与受委托监护人共同生活",
        ("livingArrangement", "WITH_ONE_PARENT") => "与父亲或母亲一方共同生活",
        ("livingArrangement", "ALONE") => "独居",
        ("guardianshipQuality", "UNSUPERVISED") => "无人监护",
        ("guardianshipQuality", "PARENT_UNABLE") => "父母一方无监护能力",
        ("guardianshipQuality", "ENTRUSTED_INADEQUATE") => "受委托监护人监护不力",
        ("guardianshipQuality", "FAIR") => "一般",
        ("guardianshipQuality", "GOOD") => "良好",
        ("riskLevel", "NONE") => "无",
        ("riskLevel", "LOW") => "低",
        ("riskLevel", "MEDIUM") => "中",
        ("riskLevel", "HIGH") => "高",
        ("incomeSources", "WAGES_FROM_WORK_AWAY") => "外出务工收入",
        ("incomeSources", "FARMING") => "种植",
        ("incomeSources", "HERDING") => "养殖",
        ("incomeSources", "LOCAL_WORK") => "本地务工",
        ("incomeSources", "PENSION") => "养老金",
        ("incomeSources", "SOCIAL_ASSISTANCE") => "社会救助",
        ("benefits", "MINIMUM_LIVING_ALLOWANCE") => "最低生活保障",
        ("benefits", "EXTREME_POVERTY_SUPPORT") => "特困人员救助供养",
        ("benefits", "TEMPORARY_ASSISTANCE") => "临时救助",
        ("benefits", "DISABILITY_SUBSIDY") => "残疾人两项补贴",
        ("benefits", "EDUCATION_AID") => "教育资助",
        ("benefits", "MEDICAL_ASSISTANCE") => "医疗救助",
        ("incomeSources" | "benefits", "OTHER") => "其他",
        ("relation", "FATHER") => "父亲",
        ("relation", "MOTHER") => "母亲",
        ("relation", "GRANDFATHER") => "祖父（外祖父）",
        ("relation", "GRANDMOTHER") => "祖母（外祖母）",
        ("relation", "OTHER_RELATIVE") => "其他亲属",
        ("relation", "ENTRUSTED_OTHER") => "受委托人",
        _ => return None,
    })
}

/// The selection of a child's node that reads `columns` (and its id, so that it is never
/// empty).
fn selection(columns: &[Column]) -> String {
    let mut fields: Vec<(&str, Vec<&str>)> = vec![("id", Vec::new())];
    for column in columns.iter().filter(|c| c.queried) {
        let sub = column.sub.map(|(_, f)| f);
        match fields.iter_mut().find(|(f, _)| *f == column.field) {
            Some((_, subs)) => subs.extend(sub.filter(|s| !subs.contains(s))),
            None => fields.push((column.field, sub.into_iter().collect())),
        }
    }
    fields
        .into_iter()
        .map(|(field, subs)| {
            if subs.is_empty() {
                field.to_owned()
            } else {
                format!("{field} {{ {} }}", subs.join(" "))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The download's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// UTF-8 CSV with a byte-order mark, so that Excel reads Chinese text.
    Csv,
    /// An Excel workbook.
    Xlsx,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// The query string of the download.
#[derive(Debug, Deserialize)]
struct LedgerParams {
    #[serde(rename = "regionId")]
    region_id: Option<String>,
    #[serde(rename = "submissionId")]
    submission_id: Option<String>,
}

/// A submission of the ledger to download: its global ID and how each of its children changed.
pub struct Submitted {
    id: String,
    changes: HashMap<Uuid, String>,
}

impl Submitted {
    /// The submission `id` (a global ID) as `principal` may download it: `None` when it is not
    /// one, or not of a region within the principal's jurisdiction.
    pub async fn find(
        state: &AppState,
        principal: &Principal,
        id: &str,
    ) -> Result<Option<Self>, ApiError> {
        let Some((Kind::LedgerSubmission, uuid)) = ids::decode(&async_graphql::ID::from(id)) else {
            return Ok(None);
        };
        if submission::find(&state.db, principal, uuid)
            .await?
            .is_none()
        {
            return Ok(None);
        }
        Ok(Some(Self {
            id: id.to_owned(),
            changes: submission::changes(&state.db, uuid).await?,
        }))
    }

    /// Whether `role` reads submissions of the ledger (the policy's `Query.ledgerSubmissions`).
    fn permitted(state: &AppState, role: entity::enums::Role) -> bool {
        state.policy.level("Query", "ledgerSubmissions", Some(role)) != Level::None
    }

    /// The submission `id` as `principal` may download it: as [`Submitted::find`], and `None`
    /// too when the principal's role does not read submissions.
    pub async fn readable(
        state: &AppState,
        principal: &Principal,
        id: &str,
    ) -> Result<Option<Self>, ApiError> {
        if !Self::permitted(state, principal.role) {
            return Ok(None);
        }
        Self::find(state, principal, id).await
    }

    /// The change's label on the form.
    fn label(&self, node: &Value) -> &'static str {
        let change = node["id"]
            .as_str()
            .and_then(|id| ids::decode(&async_graphql::ID::from(id)))
            .and_then(|(_, id)| self.changes.get(&id));
        match change.map(String::as_str) {
            Some("new") => "新增",
            Some("closed") => "注销",
            _ => "变更",
        }
    }
}

/// Reads the ledger page by page as one caller.
struct Pages {
    state: AppState,
    schema: AppSchema,
    session: Session,
    meta: RequestMeta,
    document: String,
    region: Option<String>,
    submission: Option<Submitted>,
    after: Option<String>,
    done: bool,
    rows: u64,
    /// Where it reads: the replica when it has caught up with the primary.
    plan: ReadPlan,
}

impl Pages {
    /// Pages of the ledger within the region `region` (a global ID; the whole scope when
    /// `None`), or of the children of `submission`, read as `session`, and the columns its role
    /// may read (first, for a submission, how each child changed). Read from the replica
    /// when it has replayed what the primary had committed.
    async fn new(
        state: AppState,
        schema: AppSchema,
        session: Session,
        meta: RequestMeta,
        (region, submission): (Option<String>, Option<Submitted>),
    ) -> Result<(Self, Vec<Column>), ApiError> {
        let role = session.principal()?.role;
        let columns: Vec<Column> = submission
            .is_some()
            .then(Column::change)
            .into_iter()
            .chain(form().into_iter().filter(|c| c.readable(&state, role)))
            .collect();
        let document = format!(
            "query LedgerExport($after: String, $region: ID, $submission: ID) {{ \
             children(first: {PAGE}, after: $after, filter: {{ regionId: $region, \
             submissionId: $submission }}) {{ edges {{ node {{ {} }} }} \
             pageInfo {{ hasNextPage endCursor }} }} }}",
            selection(&columns)
        );
        let plan = state.reader.caught_up().await;
        let pages = Self {
            state,
            schema,
            session,
            meta,
            document,
            region,
            submission,
            after: None,
            done: false,
            rows: 0,
            plan,
        };
        Ok((pages, columns))
    }

    /// The next page's nodes, or `None` after the last; the query's errors when refused.
    async fn next(&mut self) -> Option<Result<Vec<Value>, Vec<ServerError>>> {
        if self.done {
            return None;
        }
        let variables = Variables::from_json(json!({
            "after": self.after,
            "region": self.region,
            "submission": self.submission.as_ref().map(|s| &s.id),
        }));
        let request = prepare(
            &self.state,
            self.meta.clone(),
            self.session.clone(),
            self.document.clone(),
            variables,
            self.plan.clone(),
        );
        let response = self.schema.execute(request).await;
        if !response.errors.is_empty() {
            self.done = true;
            return Some(Err(response.errors));
        }
        let data = response.data.into_json().unwrap_or_default();
        let children = &data["children"];
        self.after = children["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
        self.done = children["pageInfo"]["hasNextPage"] != true;
        let mut nodes: Vec<Value> = children["edges"]
            .as_array()
            .map(|edges| edges.iter().map(|e| e["node"].clone()).collect())
            .unwrap_or_default();
        if let Some(submission) = &self.submission {
            for node in &mut nodes {
                node[CHANGE] = Value::from(submission.label(node));
            }
        }
        self.rows += u64::try_from(nodes.len()).unwrap_or_default();
        Some(Ok(nodes))
    }

    /// Writes the export's one audit event.
    async fn audited(&self, format: Format, columns: &[Column]) {
        let Ok(principal) = self.session.principal() else {
            return;
        };
        let event = AuditRecord::new(
            &self.state.audit_keys.mac,
            "ledger.export",
            self.state.clock.now(),
            None,
        )
        .by(principal)
        .from_request(&self.meta)
        .with(json!({
            "format": format.name(),
            "regionId": self.region,
            "submissionId": self.submission.as_ref().map(|s| &s.id),
            "rows": self.rows,
            "columns": columns.iter().map(|c| c.heading.as_str()).collect::<Vec<_>>(),
        }));
        self.state.audit.send(event).await;
    }
}

/// One CSV line of `cells`.
fn csv_line<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(cells);
    writer.into_inner().unwrap_or_default()
}

/// Serves `/exports/ledger.csv`.
pub async fn csv(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    request_id: RequestId,
) -> HttpResponse {
    let (mut pages, columns) = match start(&req, &state, &schema, &request_id).await {
        Ok(started) => started,
        Err(response) => return response,
    };
    // The first page is read before answering, so that a refusal is an error, not a file.
    let first = match pages.next().await {
        Some(Err(errors)) => return refusal(errors, &pages.document, &request_id),
        Some(Ok(nodes)) => nodes,
        None => Vec::new(),
    };
    let mut head = "\u{feff}".as_bytes().to_vec();
    head.extend(csv_line(columns.iter().map(|c| c.heading.as_str())));
    head.extend(rows_csv(&columns, &first));
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, actix_web::Error>>(2);
    actix_web::rt::spawn(async move {
        if sender.send(Ok(Bytes::from(head))).await.is_err() {
            return;
        }
        while let Some(page) = pages.next().await {
            let Ok(nodes) = page else {
                // Broken off, so that the client sees a failed download, not a short file.
                tracing::warn!("a ledger export stopped part of the way through");
                let _ = sender
                    .send(Err(actix_web::error::ErrorServiceUnavailable(
                        "the export stopped part of the way through",
                    )))
                    .await;
                return;
            };
            if sender
                .send(Ok(Bytes::from(rows_csv(&columns, &nodes))))
                .await
                .is_err()
            {
                return;
            }
        }
        pages.audited(Format::Csv, &columns).await;
    });
    let body = stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ledger.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}

fn rows_csv(columns: &[Column], nodes: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for node in nodes {
        let cells: Vec<String> = columns.iter().map(|c| c.value(node)).collect();
        out.extend(csv_line(cells.iter().map(String::as_str)));
    }
    out
}

/// Serves `/exports/ledger.xlsx`.
pub async fn xlsx(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    request_id: RequestId,
) -> HttpResponse {
    let (mut pages, columns) = match start(&req, &state, &schema, &request_id).await {
        Ok(started) => started,
        Err(response) => return response,
    };
    let today = crate::clock::china_date(state.clock.now());
    let title = format!("农村留守儿童信息登记表　导出日期：{today}");
    let mut book = match Sheet::new(&title, &columns) {
        Ok(book) => book,
        Err(err) => return failed(&err),
    };
    while let Some(page) = pages.next().await {
        let nodes = match page {
            Ok(nodes) => nodes,
            Err(errors) => return refusal(errors, &pages.document, &request_id),
        };
        for node in &nodes {
            if let Err(err) = book.row(&columns, node) {
                return failed(&err);
            }
        }
    }
    let file = match book.finish() {
        Ok(file) => file,
        Err(err) => return failed(&err),
    };
    pages.audited(Format::Xlsx, &columns).await;
    HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"ledger.xlsx\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(file)
}

fn failed(err: &rust_xlsxwriter::XlsxError) -> HttpResponse {
    tracing::error!(error = %err, "writing a ledger workbook");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL_SERVER_ERROR",
        "the workbook could not be written",
        None,
    )
}

/// A workbook of one constant-memory sheet: a title row, the headings (frozen), the rows.
struct Sheet {
    book: rust_xlsxwriter::Workbook,
    next_row: u32,
}

impl Sheet {
    fn new(title: &str, columns: &[Column]) -> Result<Self, rust_xlsxwriter::XlsxError> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let bold = rust_xlsxwriter::Format::new().set_bold();
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name("登记表")?;
        sheet.set_freeze_panes(2, 0)?;
        for (i, column) in columns.iter().enumerate() {
            let at = u16::try_from(i).unwrap_or(u16::MAX);
            let chars = column.heading.chars().count();
            let width = match column.field {
                "idNumber" | "address" | "householdRegistrationPlace" => 22.0,
                _ => 4.0 + 2.2 * f64::from(u16::try_from(chars).unwrap_or(10)),
            };
            sheet.set_column_width(at, width)?;
        }
        sheet.write_string_with_format(0, 0, title, &bold)?;
        for (i, column) in columns.iter().enumerate() {
            let at = u16::try_from(i).unwrap_or(u16::MAX);
            sheet.write_string_with_format(1, at, &column.heading, &bold)?;
        }
        Ok(Self { book, next_row: 2 })
    }

    fn row(&mut self, columns: &[Column], node: &Value) -> Result<(), rust_xlsxwriter::XlsxError> {
        let row = self.next_row;
        let sheet = self.book.worksheet_from_index(0)?;
        for (i, column) in columns.iter().enumerate() {
            let value = column.value(node);
            if !value.is_empty() {
                sheet.write_string(row, u16::try_from(i).unwrap_or(u16::MAX), value)?;
            }
        }
        self.next_row += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        self.book.save_to_buffer()
    }
}

/// The caller's pages of the ledger and the columns they may read, or the response refusing
/// the download.
async fn start(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    schema: &web::Data<AppSchema>,
    request_id: &RequestId,
) -> Result<(Pages, Vec<Column>), HttpResponse> {
    let params = web::Query::<LedgerParams>::from_query(req.query_string()).map_err(|_| {
        error(
            StatusCode::BAD_REQUEST,
            "BAD_USER_INPUT",
            "give the region as `regionId` (a region's ID), or nothing for your whole scope, \
             or a submission of the ledger as `submissionId`",
            Some("regionId"),
        )
    })?;
    let session = session(req, state).await.map_err(|err| {
        tracing::error!(error = ?err, "resolving the session");
        error(
            StatusCode::SERVICE_UNAVAILABLE,
            "INTERNAL_SERVER_ERROR",
            "the service cannot check credentials right now",
            None,
        )
    })?;
    if let Ok(principal) = session.principal()
        && let Err(refused) = state
            .throttle
            .take(Bucket::Export, &principal.account_id.to_string())
            .await
    {
        let mut response = error(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many downloads of the ledger from this account: try again later",
            None,
        );
        if let Ok(wait) = header::HeaderValue::from_str(&refused.seconds().to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, wait);
        }
        return Err(response);
    }
    let meta = request_meta(req, state, request_id, RequestClient::default());
    let unauthenticated = || {
        error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "sign in: the ledger is downloaded with a bearer token",
            None,
        )
    };
    let LedgerParams {
        region_id: region,
        submission_id,
    } = params.into_inner();
    let submission = match submission_id {
        None => None,
        Some(id) => {
            let principal = session.principal().map_err(|_| unauthenticated())?;
            if !Submitted::permitted(state, principal.role) {
                return Err(error(
                    StatusCode::FORBIDDEN,
                    "FORBIDDEN",
                    "your role does not read submissions of the ledger",
                    Some("submissionId"),
                ));
            }
            match Submitted::find(state, principal, &id).await {
                Ok(Some(submitted)) => Some(submitted),
                Ok(None) => {
                    return Err(error(
                        StatusCode::NOT_FOUND,
                        "NOT_FOUND",
                        "no such submission of the ledger",
                        Some("submissionId"),
                    ));
                }
                Err(err) => {
                    tracing::error!(error = %err.chain(), "reading a submission of the ledger");
                    return Err(error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL_SERVER_ERROR",
                        "the submission could not be read",
                        None,
                    ));
                }
            }
        }
    };
    Pages::new(
        state.get_ref().clone(),
        schema.get_ref().clone(),
        session,
        meta,
        (region, submission),
    )
    .await
    .map_err(|_| unauthenticated())
}

/// Writes the ledger as the account `principal` would download it, within the region (a global
/// ID; the whole scope when `None`) or of the submission `selection` names, to `path`, for
/// offline use (`shouhu export ledger`); the number of rows written, or the refusal's errors.
pub async fn export_to_file(
    state: AppState,
    schema: AppSchema,
    principal: Principal,
    selection: (Option<String>, Option<Submitted>),
    format: Format,
    path: &std::path::Path,
) -> anyhow::Result<u64> {
    let session = Session::Authenticated(principal);
    let (mut pages, columns) =
        Pages::new(state, schema, session, RequestMeta::default(), selection).await?;
    let refused = |errors: Vec<ServerError>| {
        anyhow::anyhow!(
            "the export was refused: {}",
            errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    match format {
        Format::Csv => {
            use std::io::Write;
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            file.write_all("\u{feff}".as_bytes())?;
            file.write_all(&csv_line(columns.iter().map(|c| c.heading.as_str())))?;
            while let Some(page) = pages.next().await {
                file.write_all(&rows_csv(&columns, &page.map_err(refused)?))?;
            }
            file.flush()?;
        }
        Format::Xlsx => {
            let today = crate::clock::china_date(pages.state.clock.now());
            let mut book = Sheet::new(
                &format!("农村留守儿童信息登记表　导出日期：{today}"),
                &columns,
            )?;
            while let Some(page) = pages.next().await {
                for node in &page.map_err(refused)? {
                    book.row(&columns, node)?;
                }
            }
            std::fs::write(path, book.finish()?)?;
        }
    }
    pages.audited(format, &columns).await;
    Ok(pages.rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_reads_each_field_once_with_its_subfields() {
        let columns = form();

        let selection = selection(&columns);

        assert!(selection.starts_with("id name gender ethnicity birthDate idNumber"));
        assert!(selection.contains("health { status illness disabilityCategory disabilityGrade }"));
        assert!(selection.contains("guardians { name relation phone idNumber workLocation }"));
        assert_eq!(selection.matches("guardians {").count(), 1);
    }

    #[test]
    fn cells_read_as_the_form_writes_them() {
        let node = json!({
            "gender": "FEMALE",
            "boarding": false,
            "health": { "status": "DISABLED" },
            "incomeSources": ["WAGES_FROM_WORK_AWAY", "OTHER"],
            "guardians": [{ "relation": "GRANDMOTHER", "name": "OTHER" }],
            "status": "ACTIVE",
        });
        // A heading not on the form reads as an empty cell, which no assertion below expects.
        let cell = |heading: &str| {
            form()
                .into_iter()
                .find(|c| c.heading == heading)
                .map(|column| column.value(&node))
                .unwrap_or_default()
        };

        assert_eq!(cell("性别"), "女");
        assert_eq!(cell("是否寄宿"), "否");
        assert_eq!(cell("健康状况"), "残疾");
        assert_eq!(cell("家庭收入来源"), "外出务工收入、其他");
        assert_eq!(cell("监护人1关系"), "祖母（外祖母）");
        // A name is never taken for an enum value.
        assert_eq!(cell("监护人1姓名"), "OTHER");
        assert_eq!(cell("状态"), "在册");
    }
}
