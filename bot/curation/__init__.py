"""Curation: admins add, edit, alias, remove and restore films, import and export the catalog, and read the
audit log, search misses and users' "wrong film?" reports.

Importing this package does nothing; import the modules you need.

Commands (group "film"; the registry checks each spec's ``Permission`` once: changes to the shared catalog
need ``CATALOG_OWNER``; ``log``, ``misses`` and ``reports`` need ``GROUP_ADMIN`` and show a group's admins
only what came from their own chat, owners everything)::

    /film add <details>               Key: Value lines (seed page labels) or a pasted film page
    /film edit <film> <field> <value> field: title year native_title runtime country content_rating genres
                                      synopsis trailer_url poster_url info_url release_date director writer
                                      add_cast remove_cast add_alt remove_alt   ("-" clears an optional field)
    /film alias <film> <alias>        the alias pins that query to the film (it becomes the one clear match)
    /film unalias <film> <alias>
    /film remove <film>               soft delete; the reply is a Text with actions=(Action("undo_remove", id),)
    /film restore <#id|exact title>
    /film import [path]               chat: attach the file (see import_upload); console/CLI: a local path
    /film export                      FileReply on chat platforms; console/CLI: Text naming the written file
    /film log [film]                  audit log, newest first
    /film misses                      most frequent searches that found nothing (last 30 days)
    /film reports                     open "wrong film?" reports
    /film resolve_report <report>

`<film>` is a ``kind="film"`` param: ``#123`` (autocomplete/picker values) or a title. A title that is not
unambiguous returns a ``FilmList(kind="did_you_mean")`` picker: nothing is changed by guess.

Adapter-facing API (``from bot.curation.service import curation_of``; ``cur = curation_of(services)``).
Every method returns a ``bot.replies.Reply`` and never raises for user errors (a ``Problem`` instead);
methods that change the catalog return ``Problem(kind="forbidden")`` for anyone the same specs refuse::

    await cur.add_film(actor, fields: Mapping[str, str]) -> FilmCard | Problem
        # Discord modal. Keys: title (required), year, native_title, alt_titles (comma-separated),
        # genres (comma-separated), runtime ("127" or "2 hr. 7 min."), synopsis, trailer_url; also
        # country, content_rating, release_date, director, writer, cast ("Name as Character; …"),
        # poster_url, info_url, imdb. Seed-page labels ("Native Title", "Duration") work as keys too.
    await cur.add_text(actor, text: str) -> FilmCard | Problem
        # A raw multi-line message (newlines kept): Key: Value lines or a whole film page.
    await cur.import_upload(actor, filename: str, data: bytes) -> Text | Problem
        # An attachment; format from the extension (.jsonl .json .csv .txt .md, optionally .gz).
        # All or nothing: a malformed file imports nothing and the Problem names file and line.
    await cur.export(actor) -> FileReply | Text | Problem
        # FileReply(filename="filmbot-catalog-<stamp>.jsonl[.gz]", data=bytes, caption="N films, …").
    await cur.undo_remove(actor, film_id: int) -> FilmCard | Problem
        # The "Undo" button under a removal (Text.actions has Action("undo_remove", film_id, "Undo")).
    await cur.report_wrong_film(actor, film_id: int, query: str | None = None, note: str | None = None)
        -> Text | Problem
        # The "Wrong film?" button on any card: ANY user; one report per user and film per 12 hours.
    cur.pinned_match(query: str) -> Match | None      # alias pins (FilmService asks `cur.pins.match`)

For the CLI importer (``filmbot import``): ``bot.curation.transfer.audit_import(session, cli_actor(), names,
records, counts)`` writes the import's one audit row; call it in the import's transaction, before commit.

Button payloads: put ``Action.kind`` and ``film_id`` in callback data / custom_id (``undo:123``,
``wrong:123``), never titles.

Every change: audit row in the same transaction as the change, commit, then the search index
(``Catalog.film_changed`` / ``film_removed``), then the reply. Searches that miss are counted through
``FilmService.on_miss``; alias pins answer first through ``FilmService.pinned`` (both wired in ``bot.app``).
"""
