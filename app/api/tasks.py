"""Open tasks as an API client sees them: lists, the task with its form describing itself, claim and
release, drafts, completion, table imports, and the verbs (transfer, delegate, take back, copy, urge)."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify, url_for
from flask_openapi3 import FileStorage
from pydantic import BaseModel, Field, RootModel, StrictInt

from app.api.common import OptionalBody, Paged, Strict, api_blueprint, errors
from app.api.models import InstancePath, InstanceSummaryOut, TaskOut
from app.extensions import actor_of, current_actor_user, ro_uow, uow
from processes import queries
from processes.errors import Invalid, NotFound
from processes.messages import field_error, t
from processes.tasks import complete as completion
from processes.tasks import lists, tables, verbs
from processes.vocabulary import TaskList

bp = api_blueprint("tasks", "待办任务")


# -- models ------------------------------------------------------------------------------------------------

class TaskPath(BaseModel):
    task_id: str = Field(min_length=1, max_length=64)


class TablePath(TaskPath):
    field_id: str = Field(min_length=1, max_length=64)


class VerbPath(TaskPath):
    verb: Literal["transfer", "delegate"]


class ListPath(BaseModel):
    which: TaskList


class TaskQuery(Paged):
    process_key: str | None = Field(None, max_length=128)


class ListQueryIn(BaseModel):
    process: str | None = Field(None, max_length=128)
    round: str | None = Field(None, max_length=8, description="the year of the annual round")
    county: str | None = Field(None, max_length=32)
    overdue: bool = False
    sort: Literal["due", "-due", "created", "-created", "name", "process"] = "due"
    page: int = Field(1, ge=1, le=10**6)
    per_page: int = Field(20, ge=1, le=100)


class OptionOut(BaseModel):
    id: str
    label: str


class ColumnOut(BaseModel):
    id: str
    label: str
    type: str = Field(description="string | long | double | date | boolean | choice")
    required: bool
    format: str | None = None
    options: list[OptionOut] = []


class PickerOut(BaseModel):
    role: str
    options: list[OptionOut] = Field(description="active users of the role: user name and the name shown")


class RequiredWhenOut(BaseModel):
    field: str
    values: list[str]


class FieldOut(BaseModel):
    id: str
    label: str
    type: str = Field(description="string | long | double | boolean | date | enum | json")
    required: bool
    readonly: bool
    default: Any = None
    constraints: dict[str, Any] = {}
    format: str | None = Field(None, description="credit_code | phone | postcode | email")
    options: list[OptionOut] = []
    decision: bool = False
    value: Any = None
    columns: list[ColumnOut] | None = Field(None, description="a repeating table: one object per row")
    min_rows: int | None = None
    max_rows: int | None = None
    picker: PickerOut | None = None
    required_when: RequiredWhenOut | None = None
    properties: dict[str, str] = {}


class MaterialOut(BaseModel):
    key: str
    name: str
    required: bool
    uploaded: dict[str, Any] | None = None
    accepted_types: list[str]
    max_bytes: int
    upload_url: str = Field(description="POST the file here as multipart field 'file'")


class TaskDetailOut(TaskOut):
    fields: list[FieldOut]
    materials: list[MaterialOut] | None = None
    form_key: str | None = None
    documentation: str | None = None
    extensions: dict[str, Any] = {}
    may_act: bool
    instance_version: int
    draft: dict[str, Any] | None = None
    data: dict[str, Any] = {}


class CompleteIn(Strict):
    data: dict[str, Any] = Field({}, description="field id → value; tables as lists of row objects")
    version: StrictInt | None = Field(None, description="the instance version read (409 when it changed)")


class NextTaskOut(BaseModel):
    id: str
    element_id: str
    name: str
    role: str | None = None
    assignee: str | None = None
    due_at: str | None = None


class ReasonOut(BaseModel):
    field: str | None = None
    code: str
    message: str


class CompletionOut(BaseModel):
    instance: InstanceSummaryOut
    next_tasks: list[NextTaskOut]
    repeated: bool = Field(description="the diagram sent the case straight back to this task")
    reasons: list[ReasonOut] = Field(description="the diagram's reasons when it did")


class DraftIn(Strict):
    data: dict[str, Any] = {}


class DraftOut(BaseModel):
    draft: dict[str, Any]


class HandOverIn(Strict):
    to: str = Field(min_length=1, max_length=64, description="user name of the colleague")
    note: str = Field("", max_length=500)


class CopyIn(Strict):
    to: list[str] = Field(min_length=1, max_length=50, description="user names")
    note: str = Field("", max_length=500)


class CopiedOut(BaseModel):
    copied: list[int]


class NoteIn(OptionalBody):
    note: str = Field("", max_length=500)


class UrgedOut(BaseModel):
    task_id: str
    holder_id: int
    day: str


class ImportForm(BaseModel):
    file: FileStorage = Field(description=".xlsx or .csv, header row of column labels")


class ImportOut(BaseModel):
    rows: list[dict[str, Any]]
    count: int


class ListItemOut(BaseModel):
    id: str
    instance_id: int
    name: str
    process_key: str | None = None
    business_key: str | None = None


class TaskListOut(BaseModel):
    which: str = Field(alias="list", description="mine | claimable | done | copied")
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    pages: int


class CountsOut(BaseModel):
    mine: int
    mine_overdue: int
    claimable: int
    claimable_overdue: int
    copied_unread: int
    done: int


class TimelineEntryOut(BaseModel):
    at: str
    actor: str
    action: str
    label: str
    task: str = ""
    decision: Any = None
    opinion: Any = None
    score: Any = None
    attachments: list[Any] = []
    detail: str = ""


class TasksOut(RootModel[list[TaskOut]]):
    pass


class TimelineOut(RootModel[list[TimelineEntryOut]]):
    pass



# -- routes -----------------------------------------------------------------------------------------------

@bp.get("/tasks", summary="我可办理的任务", responses={200: TasksOut})
def list_tasks(query: TaskQuery) -> Any:
    return jsonify(queries.list_tasks(ro_uow(), current_actor_user(), query.process_key, query.limit, query.offset))


@bp.get("/tasks/<task_id>", summary="任务及其表单（字段、选项、表格列、材料上传地址）",
        responses={200: TaskDetailOut, **errors(404)})
def get_task(path: TaskPath) -> Any:
    view = queries.get_task(ro_uow(), current_actor_user(), path.task_id)
    for m in view.get("materials") or []:
        m["upload_url"] = url_for("api_recognition.upload_material", business_key=view["business_key"],
                                  mkey=m["key"])
    return jsonify(view)


@bp.post("/tasks/<task_id>/claim", summary="认领", responses={200: TaskOut, **errors(403, 404, 409)})
def claim(path: TaskPath) -> Any:
    return jsonify(queries.task_view(verbs.claim_task(uow(), actor_of(current_actor_user()), path.task_id)))


@bp.post("/tasks/<task_id>/unclaim", summary="释放（回到待认领）", responses={200: TaskOut, **errors(403, 404, 409)})
def unclaim(path: TaskPath) -> Any:
    return jsonify(queries.task_view(verbs.unclaim_task(uow(), actor_of(current_actor_user()), path.task_id)))


@bp.post("/tasks/<task_id>/release", summary="释放（同 unclaim）", responses={200: TaskOut, **errors(403, 404, 409)})
def release(path: TaskPath) -> Any:
    return unclaim(path)


@bp.post("/tasks/<task_id>/complete", summary="办理完成（与网页提交同一用例；/submit 为同一接口）",
         responses={200: CompletionOut, **errors(403, 404, 409)})
def complete(path: TaskPath, body: CompleteIn) -> Any:
    """422 names every field that is wrong and nothing changes; otherwise the instance, the tasks now
    open, and whether the diagram sent the case back to this task, with its reasons."""
    user = current_actor_user()
    done = completion.complete_task(uow(), actor_of(user), path.task_id, body.data, body.version)
    return jsonify({"instance": queries.instance_summary(ro_uow(), user, done.instance.id),
                    "next_tasks": done.next_tasks, "repeated": done.repeated, "reasons": done.reasons})


@bp.post("/tasks/<task_id>/submit", summary="办理完成（complete 的别名）",
         responses={200: CompletionOut, **errors(403, 404, 409)})
def submit(path: TaskPath, body: CompleteIn) -> Any:
    return complete(path, body)


@bp.post("/tasks/<task_id>/draft", summary="保存草稿（不校验）", responses={200: DraftOut, **errors(403, 404, 409)})
def save_draft(path: TaskPath, body: DraftIn) -> Any:
    return jsonify({"draft": verbs.save_draft(uow(), actor_of(current_actor_user()), path.task_id, body.data)})


@bp.post("/tasks/<task_id>/<any(transfer, delegate):verb>", summary="转办或委派给同事",
         responses={200: TaskOut, **errors(403, 404, 409)})
def hand_over(path: VerbPath, body: HandOverIn) -> Any:
    fn = verbs.transfer if path.verb == "transfer" else verbs.delegate
    return jsonify(queries.task_view(fn(uow(), actor_of(current_actor_user()), path.task_id, body.to, body.note)))


@bp.post("/tasks/<task_id>/take-back", summary="收回或交还委派", responses={200: TaskOut, **errors(403, 404, 409)})
def take_back(path: TaskPath) -> Any:
    return jsonify(queries.task_view(verbs.take_back(uow(), actor_of(current_actor_user()), path.task_id)))


@bp.post("/tasks/<task_id>/copy", summary="抄送", responses={201: CopiedOut, **errors(403, 404)})
def copy(path: TaskPath, body: CopyIn) -> Any:
    made = verbs.copy(uow(), actor_of(current_actor_user()), path.task_id, list(body.to), body.note)
    return jsonify({"copied": [c.user_id for c in made]}), 201


@bp.post("/tasks/<task_id>/urge", summary="催办当前办理人（每人每天一次）",
         responses={201: UrgedOut, **errors(404, 409)})
def urge(path: TaskPath, body: NoteIn) -> Any:
    u = verbs.urge(uow(), actor_of(current_actor_user()), path.task_id, body.note)
    return jsonify({"task_id": u.task_id, "holder_id": u.holder_id, "day": u.day}), 201


@bp.post("/tasks/<task_id>/tables/<field_id>/import", summary="导入表格（Excel/CSV）为行",
         responses={200: ImportOut, **errors(404)})
def table_import(path: TablePath, form: ImportForm) -> Any:
    """Rows of an uploaded .xlsx/.csv checked like a submission; 422 with spreadsheet row numbers."""
    fields = queries.task_fields(ro_uow(), current_actor_user(), path.task_id)
    fd = next((f for f in fields if f.id == path.field_id and f.columns), None)
    if fd is None:
        raise NotFound(t("表单中没有表格 {field}", field=path.field_id), code="table_not_found")
    rows, errs = tables.import_rows(fd, form.file.filename or "", form.file.read())
    if errs:
        raise Invalid(t("文件中有 {n} 处错误，未导入任何行", n=len(errs)), errs, code="import_invalid")
    if not rows:
        raise Invalid(t("文件中没有数据行"), [field_error("file", "file_empty", "文件中没有数据行")])
    return jsonify({"rows": rows, "count": len(rows)})


@bp.get("/task-lists/<any(mine, claimable, done, copied):which>", summary="待办、待认领、已办、抄送我的",
        responses={200: TaskListOut, **errors(404)})
def task_list(path: ListPath, query: ListQueryIn) -> Any:
    q = lists.ListQuery(process_key=query.process, round=query.round, county=query.county, overdue=query.overdue,
                        sort=query.sort, page=query.page, per_page=query.per_page)
    return jsonify(lists.list_tasks(ro_uow(), current_actor_user(), path.which, q))


@bp.get("/task-counts", summary="各列表的数量", responses={200: CountsOut})
def task_counts() -> Any:
    return jsonify(lists.counts(ro_uow(), current_actor_user()))


@bp.get("/process-instances/<int:instance_id>/timeline", summary="审批记录",
        responses={200: TimelineOut, **errors(404)})
def timeline(path: InstancePath) -> Any:
    user = current_actor_user()
    lists.may_read_instance(ro_uow(), user, path.instance_id)
    return jsonify(lists.timeline(ro_uow(), path.instance_id, user))
