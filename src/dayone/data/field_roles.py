"""What a catalogue column is for, judged from its name, in English and in Chinese.

A catalogue's columns arrive with whatever names its owner gave them. A few roles matter
for how dayone reads them: the *title* names an item in lists and explanations; *prose*
fields (a summary, a body) describe the item as a whole and are no short value a visitor's
sentence can match; *makers* (brand, author) count for a sentence only when named. A
Chinese site's 标题 / 摘要 / 作者 play the same roles as title / summary / author, and
without the aliases its lists showed ids instead of headlines and its summaries were
matched as if they were genres.
"""

from __future__ import annotations

import re

TITLE_KEYS = ("title", "name", "headline", "标题", "名称", "题目", "片名", "书名", "歌名", "曲名",
              "商品名称", "品名", "名字")
# fields that name or describe the item as a whole, not a value it shares with others
PROSE_KEYS = frozenset({
    "id", *TITLE_KEYS, "description", "text", "summary", "body", "abstract", "overview", "plot",
    "content", "url", "link", "image", "image_url",
    "摘要", "简介", "描述", "内容", "正文", "概要", "详情", "介绍", "剧情", "剧情简介", "链接", "网址", "图片",
})
# fields that name who made the item, not what it is
MAKER_KEYS = frozenset({
    "brand", "brands", "manufacturer", "maker", "make", "artist", "artists", "author", "authors",
    "director", "directors", "cast", "actors", "studio", "publisher", "label", "seller", "vendor",
    "creator", "creators", "developer",
    "品牌", "厂商", "制造商", "作者", "导演", "演员", "主演", "歌手", "艺人", "出版社", "卖家", "店铺", "开发商",
})


def title_of(fields: dict[str, object] | None) -> str | None:
    """The item's title: the first non-empty title-like field."""
    for key in TITLE_KEYS:
        value = (fields or {}).get(key)
        if value:
            return str(value)
    return None


# words in a field's name that say it holds no words worth reading (an id, a link, a date, a
# price): `releaseDate`, `image_url`, `Date first available` all name such a field
NOT_WORD_KEYS = frozenset({
    "id", "ids", "url", "urls", "link", "links", "href", "image", "images", "img", "thumbnail",
    "date", "time", "timestamp", "ts", "year", "price", "isbn", "asin", "sku", "uuid", "also",
    "rank", "ranking",
})


def key_words(key: str) -> set[str]:
    """`releaseDate`, `release_date`, `Date first available` -> their lower-case words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", key)
    return {w for w in re.split(r"[\s_\-.]+", spaced.lower()) if w}
