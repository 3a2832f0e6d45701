"""The sentences explanations are made of, per language.

A Chinese news site shows its readers why a story is there; an English sentence there is
no explanation at all (a reviewer found every explanation in English in a zh model). The
language is the description template's (`RecommenderConfig.language`), and so is the verb
for a positive pick (`Template.liked_verb`: "read", "bought"; 读过, 买过). Keys missing
from a language fall back to English, so a new sentence never breaks a model in another
language; it only reads in English until it is translated.
"""

from __future__ import annotations

from typing import Any

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "catalogue_order": "nothing is known yet: catalogue order",
        "no_evidence": "nothing known about them points to it",
        "also_matches": "; it also matches your description {reason}",
        "through_value": "through \u201c{value}\u201d (similarity {sim:.2f})",
        "similarity": "(similarity {sim:.2f})",
        "pushed_down": "pushed down: it resembles what you asked to avoid (\u201c{phrases}\u201d)",
        "quote_sep": "\u201d, \u201c",
        "text": "matches your description \u201c{text}\u201d {reason}",
        "title": "its title is what you typed",
        "attributes_text": "its description fits your profile ({attrs})",
        "attr": "{key}: {value}",
        "list_sep": ", ",
        "history": "similar to {title}, which you {verb}",
        "history_unlike": "unlike the items you disliked",
        "cooccurrence": "people who {verb} {title} also {verb} this",
        "cooccurrence_plain": "{verb} by people with similar picks",
        "neighbours": "{verb} by {count} of the {people} people whose picks match yours",
        "none_have_it": " (none of the {people} people whose picks match yours has it)",
        "neighbours_profiled": "{count} positive interactions, counted most from people who share your profile "
                               "({shared}){none}",
        "your_profile": "your profile",
        "beginnings": "people whose first picks were like yours went on to like this",
        "taste": "new here: its description places it among what people with picks like yours {verb}",
        "demographic": "popular with people like you ({groups})",
        "demographic_lately": "popular lately with people like you ({groups})",
        "quality_new": "new here: its description resembles items others rated well",
        "quality": "rated well above average by others",
        "new_popular": "new here: items described like it are {verb} by many (its popularity is predicted)",
        "popular": "popular: {count} positive interactions",
        "popular_lately": "popular lately: {count} positive interactions, each counting half as much every "
                          "{days:g} {unit}",
        "day": "day",
        "days": "days",
        "title_mark": "{title}",
        # similar_items: the item stood in for a visitor's one pick; nobody "liked" it
        "similar_drop": ", which you {verb}",
        "similar_people": "people whose picks match yours",
        "similar_people_as": "people who {verb} {title}",
        # users_for_item
        "reach_lean": "their picks lean its way",
        "reach_lean_named": "their picks lean its way: people who {verb} {title}, as they did, lean towards it",
        "reach_close": "close to {title}, which they {verb}",
        "reach_profile_text": "close to what their profile says: \u201c{text}\u201d",
        "reach_profile": "close to their profile",
        "reach_similarity": "{because} (similarity {sim:.2f})",
        # predict_likes
        "likes_only": "the log records no dislikes (every pick in it counts for the item), so this says how "
                      "likely they are to pick it, not to like it",
        "like_rate": "likes {liked} of {explicit} picks that say so (like rate {rate:.0%}, with the "
                     "population's {prior:.0%} as prior)",
        "no_like_said": "no pick says whether it was liked (the population's like rate {prior:.0%})",
        "crowd_more": " liked more often than most by those who have it",
        "crowd_less": " liked less often than most by those who have it",
        "standing": "{told}; ranks above {above} of the catalogue for them{crowd}: {why}",
        "standing_crowd": ";{crowd}",
    },
    "zh": {
        "catalogue_order": "尚无任何信息：按目录顺序",
        "no_evidence": "已知的信息中没有指向它的线索",
        "also_matches": "；它也符合你的描述{reason}",
        "through_value": "（通过“{value}”，相似度 {sim:.2f}）",
        "similarity": "（相似度 {sim:.2f}）",
        "pushed_down": "已降低：它与你不想要的内容相似（“{phrases}”）",
        "quote_sep": "”、“",
        "text": "符合你的描述“{text}”{reason}",
        "title": "它的标题就是你输入的内容",
        "attributes_text": "它的描述与你的资料相符（{attrs}）",
        "attr": "{key}：{value}",
        "list_sep": "，",
        "history": "与你{verb}的{title}相似",
        "history_unlike": "与你不喜欢的内容不同",
        "cooccurrence": "{verb}{title}的人也{verb}这个",
        "cooccurrence_plain": "选择相近的人{verb}",
        "neighbours": "与你选择相近的{people}人中有{count}人{verb}",
        "none_have_it": "（与你选择相近的{people}人都还没有它）",
        "neighbours_profiled": "{count}次正面互动，主要来自与你资料相同的人（{shared}）{none}",
        "your_profile": "你的资料",
        "beginnings": "起初选择与你相似的人后来喜欢这个",
        "taste": "新上架：从描述看，它属于与你选择相近的人{verb}的那一类",
        "demographic": "在与你相似的人中受欢迎（{groups}）",
        "demographic_lately": "最近在与你相似的人中受欢迎（{groups}）",
        "quality_new": "新上架：它的描述与评价很高的内容相似",
        "quality": "其他人的评价远高于平均",
        "new_popular": "新上架：描述相近的内容很多人{verb}（热度为预测值）",
        "popular": "热门：{count}次正面互动",
        "popular_lately": "最近热门：{count}次正面互动，每过{days:g}{unit}权重减半",
        "day": "天",
        "days": "天",
        "title_mark": "《{title}》",
        "similar_drop": "你{verb}的",
        "similar_people": "与你选择相近的",
        "similar_people_as": "{verb}{title}的",
        "reach_lean": "他们的选择偏向它",
        "reach_lean_named": "他们的选择偏向它：与他们一样{verb}{title}的人倾向于它",
        "reach_close": "与他们{verb}的{title}相近",
        "reach_profile_text": "与他们资料中的“{text}”相近",
        "reach_profile": "与他们的资料相近",
        "reach_similarity": "{because}（相似度 {sim:.2f}）",
        "likes_only": "记录中没有不喜欢的信号（每次选择都算作正面），所以这里说的是他们选它的可能性，而不是喜欢它的可能性",
        "like_rate": "在表明喜好的{explicit}次选择中喜欢{liked}次（喜欢率{rate:.0%}，以总体的{prior:.0%}为先验）",
        "no_like_said": "没有任何选择表明是否喜欢（总体喜欢率{prior:.0%}）",
        "crowd_more": "拥有它的人喜欢它的比例高于多数内容",
        "crowd_less": "拥有它的人喜欢它的比例低于多数内容",
        "standing": "{told}；对他们而言排在目录{above}的内容之前{crowd}：{why}",
        "standing_crowd": "；{crowd}",
    },
}


def say(language: str, phrase: str, /, **values: Any) -> str:
    """The sentence `phrase` in `language` (English when it has no such sentence); positional,
    so that a sentence may itself have a `key` slot."""
    table = PHRASES.get(language, PHRASES["en"])
    return table.get(phrase, PHRASES["en"][phrase]).format(**values)
