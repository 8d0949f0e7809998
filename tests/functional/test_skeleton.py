"""The app starts, pages render, errors are clean."""

from tests.factories import ResourceFactory, TopicFactory


def test_home_renders(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "和平学习" in response.get_data(as_text=True)


def test_unknown_page_is_a_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_api_unknown_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_resource_page_and_api(client):
    topic = TopicFactory(slug="aiguo", name="爱国主义教育")
    resource = ResourceFactory(title="国旗的故事", topic=topic, body="**升旗**仪式")
    page = client.get(f"/resources/{resource.id}")
    assert page.status_code == 200
    assert "<strong>升旗</strong>" in page.get_data(as_text=True)
    data = client.get(f"/api/v1/resources/{resource.id}").get_json()
    assert data["title"] == "国旗的故事"
    assert data["topic"] == "aiguo"


def test_login_and_logout(client, login, student):
    response = login(student)
    assert response.status_code == 302
    assert "退出" in client.get("/").get_data(as_text=True)
    login.logout()
    assert "登录" in client.get("/").get_data(as_text=True)


def test_wrong_password_is_refused(client, login, student):
    response = login(student, "wrong-password")
    assert response.status_code == 422
    assert "用户名或密码不正确" in response.get_data(as_text=True)
