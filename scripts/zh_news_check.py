"""A labelled check of the library on a Chinese news catalogue (synthetic, generated here).

No Chinese catalogue with labels is available offline, so this script writes one: about 400
stories in six channels and seventeen sub-channels (titles from templates, a summary, tags, a
publish time) and a click log of 320 readers with topical tastes (a helper wrote the
generator while reviewing dayone as a Chinese news site). It builds the library's
`Recommender` on it (`language="zh"`, `domain="news"`, the default encoder, which resolves to
multilingual-e5 for Chinese) and asks it what a new visitor would type. Per query, the share
of the top 10 in the channel asked for, and for a refusal ("体育，不要足球") the share in the
refused sub-channel. The stories are template text, so this checks the plumbing (encoder
choice, negation parsing, the avoid push), not quality on real news.

    python scripts/zh_news_check.py                    # the default encoder (e5 for zh)
    python scripts/zh_news_check.py --encoder minilm   # what a Chinese site got before
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from typing import Any

import pandas as pd

from dayone.data import Catalog, UserTable
from dayone.encoders import get_encoder
from dayone.recommender import Recommender, RecommenderConfig

TEMPLATES = {
 "科技": {
   "人工智能": (["{co}发布新一代大模型，推理能力大幅提升", "人工智能写作工具走进课堂引发争议", "{co}开源多模态模型，开发者热议", "AI大模型价格战升级，{co}宣布降价九成", "专家：通用人工智能仍面临算力与数据瓶颈", "生成式AI如何改变新闻编辑室"],
              ["大模型", "人工智能", "AI"]),
   "芯片": (["国产7纳米芯片量产进展引关注", "{co}新款GPU供不应求，数据中心抢购", "半导体设备出口管制再收紧，芯片产业链承压", "晶圆代工厂扩产，成熟制程产能过剩隐忧", "RISC-V芯片生态加速成熟", "存储芯片价格触底反弹"],
            ["芯片", "半导体", "集成电路"]),
   "手机": (["{ph}新机发布：影像与续航全面升级", "折叠屏手机出货量同比翻番", "{ph}鸿蒙新系统推送，老机型也能升级", "手机厂商卷向卫星通信功能", "二手手机回收市场乱象调查"],
            ["手机", "消费电子"]),
   "航天": (["神舟飞船成功对接空间站，航天员顺利进驻", "嫦娥探测器传回月背高清影像", "商业航天火箭回收试验取得突破", "我国新一代载人登月火箭完成关键试验"],
            ["航天", "太空", "火箭"]),
 },
 "体育": {
   "足球": (["中超第{n}轮：{fc}主场2比1逆转取胜", "国足世预赛名单公布，多名归化球员入选", "欧冠八强抽签揭晓，皇马对阵曼城", "{fc}主帅下课，俱乐部寻找新教练", "女足亚洲杯：中国女足点球大战晋级"],
            ["足球", "中超", "国足"]),
   "篮球": (["CBA总决赛第{n}场：{bc}险胜卫冕", "NBA Finals：勇士击败凯尔特人夺冠", "姚明谈中国篮球青训现状", "CBA选秀大会落幕，状元花落{bc}", "男篮亚洲杯热身赛大胜对手"],
            ["篮球", "CBA", "NBA"]),
   "乒乓球": (["世乒赛男单决赛：樊振东卫冕冠军", "孙颖莎横扫日本选手晋级女单四强", "国乒公布奥运会参赛名单", "WTT大满贯赛马龙状态回升"],
              ["乒乓球", "国乒"]),
 },
 "财经": {
   "股市": (["A股三大指数集体收涨，成交额突破万亿", "沪指失守3000点，北向资金净流出{n}亿", "科创板IPO提速，{co}上市首日大涨", "证监会出台新规严打财务造假", "港股恒生科技指数反弹超3%"],
            ["股市", "A股", "证券"]),
   "楼市": (["多地放宽限购，楼市成交回暖", "{city}二手房挂牌量创新高，房价继续下行", "房贷利率再降，首套房最低3.1%", "房企债务重组进展：{re}获债权人同意"],
            ["楼市", "房地产", "房价"]),
   "宏观": (["央行宣布降准0.25个百分点，释放长期资金约5000亿", "统计局：一季度GDP同比增长5.3%", "CPI同比上涨0.{n}%，物价温和回升", "人民币汇率创年内新高", "地方政府专项债发行提速"],
            ["宏观经济", "央行", "货币政策"]),
 },
 "娱乐": {
   "明星八卦": (["某顶流男星被曝恋情，工作室回应", "知名女演员离婚风波持续发酵", "{star}深夜发文疑似回应绯闻", "明星偷税漏税案件通报：补缴罚款{n}千万", "某歌手演唱会假唱被粉丝质疑"],
               ["明星", "八卦", "绯闻"]),
   "电影": (["春节档票房突破{n}0亿，喜剧片领跑", "国产科幻电影续集定档暑期", "金鸡奖提名名单公布，多部新人作品入围", "《{mv}》口碑逆袭，票房持续走高", "Taylor Swift演唱会电影内地上映"],
            ["电影", "票房"]),
   "综艺": (["选秀综艺回归引热议，导师阵容曝光", "{star}加盟户外真人秀新季", "音综收视率下滑，平台寻求转型", "脱口秀大会决赛落幕，冠军出炉"],
            ["综艺", "真人秀"]),
 },
 "国际": {
   "中东": (["加沙停火谈判陷入僵局，多方斡旋", "伊朗核问题谈判重启，各方表态谨慎", "红海航运受阻，国际油价上涨", "沙特与以色列关系正常化前景不明"],
            ["中东", "巴以冲突", "外交"]),
   "美国": (["美国大选首场辩论：两党候选人激烈交锋", "美联储维持利率不变，暗示年内降息", "美国国会再陷政府停摆危机", "White House回应关税新政争议"],
            ["美国", "大选", "美联储"]),
   "欧洲": (["欧盟通过人工智能法案，全球首部AI监管法规", "法国大选第二轮投票结果揭晓", "俄乌冲突持续，欧洲加大军援", "英国首相宣布提前举行大选"],
            ["欧洲", "欧盟", "俄乌"]),
 },
 "健康": {
   "饮食": (["营养师：早餐这样吃更健康", "控糖饮食真的能减肥吗？专家解读", "地中海饮食再被证实有益心血管", "隔夜菜到底能不能吃"],
            ["饮食", "营养", "减肥"]),
   "睡眠": (["年轻人失眠率上升，医生给出改善建议", "午睡多久最合适？研究给出答案", "长期熬夜对心脏的影响超乎想象"],
            ["睡眠", "失眠"]),
   "疾病防控": (["流感进入高发季，专家提醒及时接种疫苗", "国产HPV疫苗获批扩龄", "高血压年轻化：30岁也要定期测血压", "世卫组织发布新一轮传染病预警"],
               ["疫苗", "疾病", "公共卫生"]),
 },
}
fill = dict(co=["百度","阿里","腾讯","华为","字节跳动","英伟达","OpenAI","智谱"], ph=["华为","小米","苹果","OPPO","vivo","荣耀"],
            fc=["上海海港","山东泰山","北京国安","成都蓉城"], bc=["辽宁队","广东队","浙江队","北京队"], city=["北京","上海","深圳","杭州"],
            re=["碧桂园","融创","万科"], star=["某影帝","某小花","某歌手"], mv=["流浪地球3","热辣滚烫","封神第二部"])
summ = {"科技":"报道称，{t}。业内人士认为，这将影响相关产业格局。","体育":"{t}。比赛吸引大量球迷关注，赛后双方教练接受采访。",
        "财经":"{t}。分析师表示，市场情绪和政策走向仍是关键变量。","娱乐":"{t}。相关话题登上微博热搜，网友议论纷纷。",
        "国际":"{t}。外交部发言人在例行记者会上回应相关问题。","健康":"{t}。医生提醒，公众应科学看待，避免盲目跟风。"}

# (query, what is asked for as (channel, sub-channel or None), the refused sub-channel or None)
QUERIES: list[tuple[str, tuple[str, str | None], str | None]] = [
    ("体育", ("体育", None), None),
    ("财经", ("财经", None), None),
    ("足球", ("体育", "足球"), None),
    ("芯片 半导体", ("科技", "芯片"), None),
    ("股市行情", ("财经", "股市"), None),
    ("养生 睡眠", ("健康", "睡眠"), None),
    ("航天 火箭", ("科技", "航天"), None),
    ("体育，不要足球", ("体育", None), "足球"),
    ("想看科技新闻但不要娱乐八卦", ("科技", None), "明星八卦"),
    ("电影和综艺，但不要明星八卦", ("娱乐", None), "明星八卦"),
    ("国际新闻，不要中东", ("国际", None), "中东"),
    ("财经，别推楼市", ("财经", None), "楼市"),
    ("健康 不要减肥", ("健康", None), "饮食"),
]


def catalogue(seed: int = 7) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(stories, readers, clicks), deterministic for a seed."""
    rnd = random.Random(seed)
    fill = dict(co=["百度", "阿里", "腾讯", "华为", "字节跳动", "英伟达", "OpenAI", "智谱"],
                ph=["华为", "小米", "苹果", "OPPO", "vivo", "荣耀"], fc=["上海海港", "山东泰山", "北京国安", "成都蓉城"],
                bc=["辽宁队", "广东队", "浙江队", "北京队"], city=["北京", "上海", "深圳", "杭州"],
                re=["碧桂园", "融创", "万科"], star=["某影帝", "某小花", "某歌手"], mv=["流浪地球3", "热辣滚烫", "封神第二部"])
    summary = {"科技": "报道称，{t}。业内人士认为，这将影响相关产业格局。", "体育": "{t}。比赛吸引大量球迷关注，赛后双方教练接受采访。",
               "财经": "{t}。分析师表示，市场情绪和政策走向仍是关键变量。", "娱乐": "{t}。相关话题登上微博热搜，网友议论纷纷。",
               "国际": "{t}。外交部发言人在例行记者会上回应相关问题。", "健康": "{t}。医生提醒，公众应科学看待，避免盲目跟风。"}
    base = datetime.datetime(2025, 3, 1)
    stories: list[dict[str, Any]] = []
    for channel, subs in TEMPLATES.items():
        for sub, (titles, tags) in subs.items():
            for _ in range(22 if channel != "国际" else 14):
                t = rnd.choice(titles).format(**{k: rnd.choice(v) for k, v in fill.items()}, n=rnd.randint(2, 9))
                stories.append(dict(id=f"n{len(stories) + 1:04d}", title=t, summary=summary[channel].format(t=t),
                                    category=channel, subcategory=sub, tags="|".join(rnd.sample(tags, k=min(2, len(tags)))),
                                    publish_time=(base + datetime.timedelta(hours=rnd.randint(0, 24 * 60))).isoformat()))
    by_channel: dict[str, list[str]] = {}
    by_sub: dict[tuple[str, str], list[str]] = {}
    for s in stories:
        by_channel.setdefault(s["category"], []).append(s["id"])
        by_sub.setdefault((s["category"], s["subcategory"]), []).append(s["id"])
    channels = list(TEMPLATES)
    readers: list[dict[str, Any]] = []
    clicks: list[dict[str, Any]] = []
    for u in range(320):
        likes = rnd.sample(channels, k=rnd.choice([1, 1, 2]))
        readers.append(dict(id=f"u{u:03d}", attributes={"age": rnd.randint(18, 70), "city": rnd.choice(["北京", "上海", "广州", "成都"])}))
        focus = rnd.choice([s for (c, s) in by_sub if c == likes[0]])
        ts = base + datetime.timedelta(days=rnd.randint(0, 50))
        for _ in range(rnd.randint(6, 22)):
            r = rnd.random()
            pick = (rnd.choice(by_sub[(likes[0], focus)]) if r < 0.5 else
                    rnd.choice(by_channel[rnd.choice(likes)]) if r < 0.88 else rnd.choice(stories)["id"])
            ts += datetime.timedelta(minutes=rnd.randint(5, 3000))
            clicks.append(dict(user=f"u{u:03d}", item=pick, ts=ts.timestamp()))
    return stories, readers, clicks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder", default="default", help="encoder name (default: chosen for the language)")
    args = parser.parse_args(argv)
    stories, readers, clicks = catalogue()
    channel = {s["id"]: (s["category"], s["subcategory"]) for s in stories}
    encoder = None if args.encoder == "default" else get_encoder(args.encoder)
    rec = Recommender.build(Catalog.from_records(stories), pd.DataFrame(clicks), UserTable.from_records(readers),
                            config=RecommenderConfig(domain="news", language="zh", beginnings=False),
                            encoder=encoder, show_progress=True)
    print(f"{len(stories)} stories, {len(clicks)} clicks, encoder {rec.encoder.model_id}")
    print(f"{'query':<28} {'asked for':<12} in it  refused  in it")
    for query, (want_channel, want_sub), refused in QUERIES:
        top = [channel[r.item] for r in rec.recommend(query, n=10)]
        hit = sum(c == want_channel and (want_sub is None or s == want_sub) and s != refused for c, s in top) / len(top)
        bad = f"{refused:<8} {sum(s == refused for _, s in top) / len(top):.1f}" if refused else ""
        print(f"{query:<28} {want_channel + ('/' + want_sub if want_sub else ''):<12} {hit:.1f}   {bad}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
