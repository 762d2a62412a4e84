"""User text is escaped on every page that shows it: typed, stored, or decrypted."""

from __future__ import annotations

from markupsafe import escape

from tests.factories.collecting import World
from tests.integration.pages.conftest import NO_FILE, Client, contribute, csrf, hidden, post_form, submitted

PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "</textarea><script>alert(2)</script>",
            "javascript:alert(1)", "{{7*7}}"]
EVIL = " ".join(PAYLOADS)  # 105 characters: fits every field
RAW = ["<script>alert", "<img src=x", '"><img', "</textarea><script>", 'href="javascript:']


def assert_escaped(page: str, where: str) -> None:
    for fragment in RAW:
        assert fragment not in page, f"{where}: {fragment!r} is not escaped"
    assert str(escape(EVIL)) in page or str(escape(EVIL)).replace("&#34;", "&quot;") in page, f"{where}: payload missing"


async def test_every_page_that_shows_user_text_escapes_it(organizer: Client, world: World) -> None:
    client = organizer
    created = await post_form(client, "/organize/new", {
        "title": EVIL, "description": EVIL, "slug": "evil", "timezone": "Asia/Almaty",
        "opening_at": "2036-03-05T12:00", "moderation": "on", "lock": "server", "kk_title": EVIL, "ru_title": EVIL})
    assert created.status_code == 303
    assert_escaped((await client.get("/organize")).text, "dashboard")
    assert_escaped((await client.get("/organize/c/evil")).text, "capsule overview")
    assert_escaped((await client.get("/organize/c/evil/edit")).text, "capsule settings form")
    refused = await post_form(client, "/organize/new", {"title": EVIL, "description": EVIL, "opening_at": "bad",
                                                        "timezone": "Asia/Almaty", "kk_description": EVIL})
    assert refused.status_code == 422
    assert_escaped(refused.text, "capsule settings form again")
    assert_escaped((await client.get("/organize/c/evil/publish")).text, "publish confirmation")
    await post_form(client, "/organize/c/evil/publish")

    invited = await post_form(client, "/organize/c/evil/invitations", {"organization": EVIL, "name": EVIL,
                                                                      "email": "a@b.kz"})
    assert invited.status_code == 303
    assert_escaped((await client.get("/organize/c/evil/invitations")).text, "invitation list")
    [invitation] = await world.invitations.list("evil")
    revoke_page = await client.get(f"/organize/c/evil/invitations/{invitation.id}/revoke")
    assert_escaped(revoke_page.text, "revoke confirmation")

    evil_fields = {name: EVIL for name in ("title", "body", "author_name", "author_role", "organization")}
    form = await client.get("/c/evil/contribute", params={"invite": invitation.token})
    assert_escaped(form.text, "contribution form (organization from the invitation)")
    again = await contribute(client, "evil", invitation.token, **{**evil_fields, "kind": "wish"})
    assert again.status_code == 422
    assert_escaped(again.text, "contribution form again")
    preview = await contribute(client, "evil", invitation.token, **evil_fields)
    assert preview.status_code == 200
    assert_escaped(preview.text, "preview")
    changed = await post_form(client, "/c/evil/contribute/change", {
        "invite": invitation.token, **{k: hidden(preview.text, k) for k in evil_fields}})
    assert_escaped(changed.text, "form after change")
    receipt_path = await submitted(client, "evil", invitation.token, submit_key="second", **evil_fields)
    receipt_id = receipt_path.split("/receipts/")[1].split("?")[0]
    token = receipt_path.split("token=")[1].split("&")[0]

    queue = await client.get("/organize/c/evil/contributions")
    assert_escaped(queue.text, "moderation queue")
    reading = await client.get(f"/organize/c/evil/contributions/{receipt_id}")
    assert_escaped(reading.text, "reading view")
    note = await post_form(client, f"/organize/c/evil/contributions/{receipt_id}/decision",
                           {"decision": "reject", "note": EVIL})
    assert note.status_code == 303
    assert_escaped((await client.get(receipt_path)).text, "receipt with the organizer's note")
    edit = await client.get(f"/receipts/{receipt_id}/edit", params={"token": token})
    assert_escaped(edit.text, "edit form")
    bad_edit = await client.post(f"/receipts/{receipt_id}/edit", data={
        "_csrf_token": await csrf(client), "submit_key": "x", "token": token, **evil_fields, "kind": "wish",
        "language": "kk"}, files=NO_FILE, follow_redirects=False)
    assert_escaped(bad_edit.text, "edit form again")

    public = await client.get("/c/evil")
    assert_escaped(public.text, "capsule page and its public log")
    assert_escaped((await client.get("/", params={"lang": "kk"})).text, "home (translated title)")
    assert "{{7*7}}" in public.text  # shown as typed, never evaluated as a template
