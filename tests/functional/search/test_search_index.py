"""The index follows the database, survives damage and rebuilds beside the live copy."""

import gc
import threading
import time

import pytest
from whoosh import index as whoosh_index

from hplearn.app import create_app
from hplearn.catalog.models import Platform
from hplearn.extensions import db
from hplearn.search import engine, hooks, services
from hplearn.search.backends.base import IndexUnavailable
from hplearn.search.documents import (
    SearchDocument,
    register_document_type,
    unregister_document_type,
)
from hplearn.search.rebuild import rebuild_index
from tests import factories
from tests.conftest import make_test_config


def total(text, **kwargs):
    return services.query(text, **kwargs).total


@pytest.fixture
def whoosh_only(search_backend):
    if search_backend != "whoosh":
        pytest.skip("about the Whoosh index files")


def test_reindex_command_rebuilds_from_the_database(app, runner, search_backend):
    for n in range(3):
        factories.ResourceFactory(title=f"垃圾分类第{n}课")
    factories.ResourceFactory(title="垃圾分类草稿", status="draft")
    engine.record_problem("测试：索引出过问题")
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    assert "search index rebuilt: 3 documents" in result.output
    assert total("垃圾分类") == 3
    assert engine.current_problem() is None


def test_reindex_swaps_a_new_directory_in(app, runner, whoosh_only):
    factories.ResourceFactory(title="勾股定理")
    backend = engine.backend()
    before = backend.live_dir()
    assert runner.invoke(args=["reindex"]).exit_code == 0
    after = backend.live_dir()
    assert after != before and after.parent == before.parent
    assert backend.live_link.is_symlink()
    assert total("勾股定理") == 1


def test_missing_index_degrades_with_a_message(app, client, login, district_admin, whoosh_only):
    factories.ResourceFactory(title="勾股定理")
    engine.backend().live_link.unlink()
    page = client.get("/search?q=勾股定理")
    assert page.status_code == 200 and "搜索暂时不可用" in page.text
    api = client.get("/api/v1/search?q=勾股定理")
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "search_unavailable"
    assert client.get("/api/v1/suggest?q=勾股").get_json() == {"suggestions": []}
    login(district_admin)
    admin = client.get("/admin/")
    assert "搜索需要处理" in admin.text and "hplearn reindex" in admin.text


# Whoosh leaves the file of an unreadable TOC to the garbage collector.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_corrupt_index_degrades_and_reindex_repairs(app, client, runner, whoosh_only):
    factories.ResourceFactory(title="勾股定理")
    for path in engine.backend().live_dir().iterdir():
        path.write_bytes(b"\x00garbage")
    engine.backend().reader.forget()
    assert "搜索暂时不可用" in client.get("/search?q=勾股定理").text
    assert engine.current_problem()
    assert runner.invoke(args=["reindex"]).exit_code == 0
    assert total("勾股定理") == 1
    assert engine.current_problem() is None
    gc.collect()


def test_admin_notice_is_not_shown_when_all_is_well(client, login, district_admin):
    login(district_admin)
    assert "搜索需要处理" not in client.get("/admin/").text


def test_students_cannot_open_the_admin_notice(client, login, student):
    engine.record_problem("测试")
    login(student)
    assert client.get("/admin/").status_code == 403


def test_changes_without_a_complete_batch_do_not_create_an_index(app, whoosh_only):
    factories.ResourceFactory(title="勾股定理")
    engine.backend().live_link.unlink()
    factories.ResourceFactory(title="平行四边形")
    assert not engine.backend().ready()
    assert "hplearn reindex" in engine.current_problem()


def test_init_builds_the_index(tmp_path, whoosh_only):
    database = f"sqlite:///{tmp_path / 'i.db'}"
    fresh = create_app(make_test_config(tmp_path / "fresh", DATABASE_URL=database))
    runner = fresh.test_cli_runner()
    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    assert "search index built: 0 documents" in first.output
    second = runner.invoke(args=["init"])
    assert "search index ready" in second.output
    with fresh.app_context():
        assert engine.backend().ready()
        db.engine.dispose()


def test_one_index_write_per_commit(app, monkeypatch):
    calls = []
    backend = engine.backend()
    real_apply = backend.apply

    def counting_apply(upserts, deletes):
        calls.append(len(upserts))
        real_apply(upserts, deletes)

    monkeypatch.setattr(backend, "apply", counting_apply)
    for start in range(0, 1200, 500):
        for n in range(start, min(start + 500, 1200)):
            resource = factories.ResourceFactory.build(title=f"批量导入的资源{n}", external_id=f"b{n}")
            db.session.add(resource)
        db.session.commit()
    assert calls == [500, 500, 200]
    assert total("批量导入") == 1200


def test_view_counts_alone_do_not_rewrite_the_index(app, monkeypatch):
    resource = factories.ResourceFactory(title="勾股定理")
    calls = []
    monkeypatch.setattr(engine.backend(), "apply", lambda up, down: calls.append(up))
    resource.view_count += 1
    db.session.commit()
    assert calls == []


def test_writers_do_not_block_readers(app, whoosh_only):
    factories.ResourceFactory(title="勾股定理")
    backend = engine.backend()
    held = backend.store.open_index("resource").writer()  # another process holding the write lock
    try:
        started = time.monotonic()
        factories.ResourceFactory(title="勾股定理 第二课")  # waits briefly, then queues
        assert total("勾股定理") >= 1  # readers never need the lock
        assert time.monotonic() - started < 10
    finally:
        held.cancel()
    deadline = time.monotonic() + 10
    while total("勾股定理") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert total("勾股定理") == 2


def test_opening_lists_again_when_another_process_just_removed_an_old_generation(
        app, whoosh_only, monkeypatch):
    factories.ResourceFactory(title="勾股定理")
    store = engine.backend().store
    real_open_dir = whoosh_index.open_dir
    failures = []

    def racing_open_dir(*args, **kwargs):
        if not failures:  # the TOC just listed is gone: another process committed meanwhile
            failures.append(1)
            raise FileNotFoundError(2, "No such file or directory", "_hplearn_resource_3.toc")
        return real_open_dir(*args, **kwargs)

    monkeypatch.setattr(whoosh_index, "open_dir", racing_open_dir)
    assert store.open_index("resource").doc_count() >= 1
    assert failures == [1]


def test_an_index_whose_files_stay_missing_is_reported_broken(app, whoosh_only, monkeypatch):
    store = engine.backend().store

    def missing(*args, **kwargs):
        raise FileNotFoundError(2, "No such file or directory", "_hplearn_resource_3.toc")

    monkeypatch.setattr(whoosh_index, "open_dir", missing)
    with pytest.raises(IndexUnavailable, match="hplearn reindex"):
        store.open_index("resource")


def test_changes_during_a_rebuild_reach_the_new_index(app, whoosh_only, monkeypatch):
    kept = factories.ResourceFactory(title="勾股定理")
    retired = factories.ResourceFactory(title="勾股定理 旧版")
    from hplearn.search.backends.whoosh import writer

    real_write_all = writer._write_all

    def write_while_editing(*args):
        written = real_write_all(*args)
        # These commits land on the old index while the new one is being finished.
        factories.ResourceFactory(title="勾股定理 新课")
        retired.status = "retired"
        kept.title = "勾股定理 修订版"
        db.session.commit()
        return written

    monkeypatch.setattr(writer, "_write_all", write_while_editing)
    rebuild_index()
    found = [hit.object.title for hit in services.query("勾股定理").items]
    assert sorted(found) == ["勾股定理 修订版", "勾股定理 新课"]


@pytest.fixture
def platform_type(app):
    register_document_type(
        "platform", Platform,
        lambda p: SearchDocument(id=p.id, title=p.name, body=p.description,
                                 fields={"level": p.level}),
        lambda p: True,
        facets=("level",),
    )
    yield
    unregister_document_type("platform")


def test_other_features_register_their_own_documents(app, platform_type):
    factories.ResourceFactory(title="国家中小学智慧教育平台使用指南")
    factories.PlatformFactory(name="国家中小学智慧教育平台", description="免费的课程资源", level="national")
    factories.PlatformFactory(name="天津市基础教育资源公共服务平台", description="市级资源",
                              level="municipal")
    platforms = services.query("智慧教育平台", doc_type="platform")
    assert [h.object.name for h in platforms.items] == ["国家中小学智慧教育平台"]
    assert platforms.facets["level"] == [("national", 1)]
    resources = services.query("智慧教育平台")
    assert [h.object.title for h in resources.items] == ["国家中小学智慧教育平台使用指南"]
    similar = services.similar("天津有什么资源平台", doc_type="platform", filters={"level": "municipal"})
    assert [p.name for p in similar] == ["天津市基础教育资源公共服务平台"]


def test_similar_can_exclude_ids_and_mark_for_reindex(app, platform_type):
    first = factories.PlatformFactory(name="心理健康教育平台", description="", level="district")
    second = factories.PlatformFactory(name="心理健康服务热线", description="", level="district")
    found = services.similar("心理健康", doc_type="platform", exclude_ids=(first.id,))
    assert [p.id for p in found] == [second.id]
    hooks.mark_for_reindex(db.session, "platform", second)
    db.session.commit()
    assert total("热线", doc_type="platform") == 1


def test_concurrent_searches_in_threads(app, whoosh_only):
    for n in range(5):
        factories.ResourceFactory(title=f"勾股定理{n}")
    errors = []

    def search_many():
        with app.app_context():
            try:
                for _ in range(20):
                    assert total("勾股定理") == 5
            except Exception as error:  # noqa: BLE001 - collected for the assertion below
                errors.append(error)

    threads = [threading.Thread(target=search_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_question_writes_leave_the_resource_searcher_and_its_caches_warm(app, whoosh_only,
                                                                        student, teacher):
    from hplearn.qa import services as qa_services
    from tests.qa_fixtures import ask

    factories.ResourceFactory(title="分数除法微课")
    assert total("分数除法") == 1
    backend = engine.backend()
    warm = backend.searcher("resource")
    question = ask(student, title="分数除法为什么要颠倒相乘？")
    qa_services.claim_question(question.id, teacher)
    qa_services.answer_question(question.id, teacher, "因为除以一个数等于乘它的倒数。")
    assert backend.searcher("resource") is warm
    assert total("分数除法", doc_type="question") == 1
    factories.ResourceFactory(title="分数除法练习")
    assert backend.searcher("resource") is not warm and total("分数除法") == 2


def test_an_index_of_an_older_format_is_rebuilt_by_init(app, whoosh_only, capsys):
    from hplearn.search.backends.whoosh.schema import FORMAT_FILE
    from hplearn.search.cli import ensure_search_index

    factories.ResourceFactory(title="勾股定理")
    backend = engine.backend()
    (backend.live_dir() / FORMAT_FILE).write_text("1\n", encoding="utf-8")
    assert not backend.ready()
    assert services.query("勾股定理").unavailable
    ensure_search_index()
    assert "search index built: 1 documents" in capsys.readouterr().out
    assert backend.ready() and total("勾股定理") == 1


def test_an_index_written_before_the_backend_became_a_package_still_opens(app, whoosh_only,
                                                                          monkeypatch):
    # Whoosh pickles the field types and the codec by module into the index's table of contents.
    from hplearn.search.backends.whoosh import schema

    factories.ResourceFactory(title="勾股定理")
    for cls in (schema.TokenField, schema.ColumnField, schema.SetCodec):
        monkeypatch.setattr(cls, "__module__", "hplearn.search.backends.whoosh_backend")
    rebuild_index()
    monkeypatch.undo()
    live = engine.backend().live_dir()
    assert any(b"whoosh_backend" in path.read_bytes() for path in live.glob("*.toc"))
    engine.backend().reader.forget()
    assert engine.backend().ready() and total("勾股定理") == 1


def test_request_threads_share_one_searcher_and_one_cache_per_generation(app, whoosh_only):
    from hplearn.search.backends.whoosh.sets import sets_of

    factories.ResourceFactory(title="勾股定理")
    backend = engine.backend()
    mine = backend.searcher("resource")
    seen = {}

    def in_another_thread():
        theirs = backend.searcher("resource")
        seen["searcher"], seen["shared"] = theirs, sets_of(theirs).shared
        with app.app_context():
            seen["total"] = total("勾股定理")

    thread = threading.Thread(target=in_another_thread)
    thread.start()
    thread.join()
    assert seen["searcher"] is mine and seen["total"] == 1
    assert seen["shared"] is sets_of(mine).shared
    factories.ResourceFactory(title="勾股定理 第二课")  # a new generation of the index
    assert sets_of(backend.searcher("resource")).shared is not seen["shared"]
    assert total("勾股定理") == 2



def test_searches_of_a_type_no_generation_follows_are_not_cached(app, student, teacher,
                                                                  monkeypatch):
    # The PostgreSQL backend has no index generation (cache_token ""), and question writes do
    # not start a catalog generation: a cached question search would stay stale until its TTL.
    from hplearn.qa import services as qa_services
    from tests.qa_fixtures import ask

    def answered(title: str, answer: str) -> None:
        question = ask(student, title=title)
        qa_services.claim_question(question.id, teacher)
        qa_services.answer_question(question.id, teacher, answer)

    monkeypatch.setattr(type(engine.backend()), "cache_token", lambda self, doc_type="": "")
    answered("勾股定理怎么证明？", "可以用赵爽弦图。")
    assert total("分数除法", doc_type="question") == 0
    assert total("勾股定理", doc_type="question") == 1
    answered("分数除法为什么要颠倒相乘？", "因为除以一个数等于乘它的倒数。")
    assert total("分数除法", doc_type="question") == 1
    factories.ResourceFactory(title="分数除法微课")  # resources: a catalog generation follows
    assert total("分数除法") == 1
