"""Counter-examples from a code review of the session-14 mends (written by a reviewer who ran
them against the code; each failed before its mend)."""
from __future__ import annotations

from conftest import clean_as_built

from analysis.evaluation.devtargets import page_targets
from analysis.extract.plan_years import plan_years


def _clean(text: str) -> str:
    return clean_as_built(text, "review").text


def test_a_plans_own_stage_and_date_fields_stay():
    text = ("二、实施时间\n实施时间：2023年3月至2023年12月\n"
            "1.实施时间：2023年3月1日至3月31日，为动员部署阶段。\n")
    out = _clean(text)
    assert "实施时间：2023年3月至2023年12月" in out and "为动员部署阶段" in out


def test_a_task_ending_in_an_announcement_word_opens_nothing():
    text = ("XX县2023年安全生产重点工作任务清单\n序号 工作任务 责任单位 完成时限\n"
            "1 开展重点行业领域安全生产大排查大整治 县应急局 2023年12月底\n"
            "2 重大事故隐患挂牌督办和整改情况公示\n3 开展安全生产月活动 县安委办 2023年6月\n")
    out = _clean(text)
    assert "任务清单" in out and "大排查大整治" in out


def test_results_in_a_goals_and_results_heading_are_targets():
    text = ("二、工作目标及成效\n到2023年底，全县建成综合减灾示范社区5个，培训灾害信息员300人次。\n")
    found = page_targets("review", text, 2023)
    assert (found["kind"] == "target").sum() == 2


def test_a_cited_earlier_year_or_a_report_with_an_outlook_sets_no_plan_year():
    lines = ["按照2018年机构改革的总体要求，“十四五”时期我市应急管理体系建设取得新进展。",
             "到2025年，应急管理体系和能力现代化取得重大进展。"]
    assert plan_years("", lines) != ("2018", "2018")
    assert plan_years("XX区2022年安全生产工作总结与2023年形势分析", []) == ("2022", "2022")
    assert plan_years("海丰县应急管理局2024年工作总结及2025年工作计划", []) == ("2025", "2025")


# -- second review (the test22/23 mends) -----------------------------------------------------

def test_lessons_and_recent_years_leave_the_sentences_goals_targets():
    for text in ("为深刻吸取近期事故教训，到2025年，全市生产安全事故死亡人数较2020年下降15%。\n",
                 "针对近5年来我市森林火灾多发的情况，力争到2025年森林火灾受害率控制在0.9‰以内。\n",
                 "各地要认真吸取事故教训，每年组织开展应急演练不少于2次。\n"):
        found = page_targets("review", text, 2021)
        assert (found["kind"] == "target").sum() == 1, text


def test_road_and_team_codes_before_a_place_stay():
    for text in ("国道G104南京至天长段、省道S353沿线易受洪涝影响，要加强巡查。\n",
                 "支援K9北京搜救队开展训练，提升救援能力。\n"):
        assert _clean(text) == text


def test_an_issuer_line_above_a_notice_title_stays():
    text = ("宜春市森防指\n关于印发宜春市森林火灾应急预案的通知\n各县（市、区）森防指：\n"
            "现将《宜春市森林火灾应急预案》印发给你们，请认真贯彻执行。\n")
    assert _clean(text).startswith("宜春市森防指\n")


def test_cms_labels_in_the_body_are_plan_text():
    text = ("一、编制说明\n本预案适用于本企业生产安全事故的应急处置工作，现予公布执行。\n"
            "文件编号：HG-YJ-2022-01\n附表：突发事件信息报送单\n信息标题：\n报送单位：（盖章）\n")
    out = _clean(text)
    assert "文件编号：HG-YJ-2022-01" in out and "信息标题：" in out


def test_a_quoted_norm_before_its_requirement_keeps_its_target():
    found = page_targets("review", "认真落实\"高危行业企业安全生产责任保险覆盖率达到100%\"要求。\n", 2021)
    assert (found["kind"] == "target").sum() == 1


def test_a_mask_glued_to_its_item_still_ends_the_item():
    text = "附件：1.县应急指挥部成员名单（略） 县应急物资储备清单（略） 应急避难场所分布图（略）\n"
    assert _clean(text).count("\n") >= 3


# -- third review (the test24/25 mends) ------------------------------------------------------

def test_tasks_after_a_fact_and_a_semicolon_stay_targets():
    for text, n in (("三、工作安排\n截至目前，全市已投入资金1.2亿元，改造老旧小区消防设施180处；"
                     "今年计划再投入资金5000万元，改造老旧小区消防设施300处。\n", 2),
                    ("二、主要任务\n全市现有危险化学品生产企业126家；推动30家企业搬迁入园，"
                     "城镇人口密集区危化品企业搬迁改造率100%。\n", 2)):
        found = page_targets("review", text, 2021)
        assert (found["kind"] == "target").sum() == n, text


def test_a_bodys_own_site_and_hotline_are_no_advertising():
    for text in ("举报人可登录市应急管理局官网2021年度举报奖励公示专栏查询。\n",
                 "通过广播、市政府官方网站12345政务服务热线平台和手机短信等渠道发布预警信息。\n",
                 "通过应急管理部举报网址12350.gov.cn进行举报。\n"):
        assert _clean(text) == text


def test_a_plan_sentence_ending_in_a_source_label_stays_after_a_counter():
    out = _clean("发布时间：2021-12-30 浏览次数：35 全市应急救援队伍建设所需经费来源：市、区两级财政按比例分担。\n")
    assert "经费来源" in out


def test_a_flattened_table_of_tasks_and_units_is_no_outline():
    text = ("一、落实安全生产责任,市安委办,各区政府,二、开展专项整治,市应急局,市住建局,"
            "三、强化执法检查,市应急局,四、加强宣传教育,市委宣传部\n")
    assert "落实安全生产责任" in _clean(text)


def test_a_site_copy_over_an_info_bar_still_goes():
    text = ("某市2021年度安全生产检查工作方案\n某市应急管理局\n2021年12月\n"
            "某市2021年度安全生产检查工作方案\n为深入贯彻落实安全生产责任制，结合我市实际，制定本方案。\n")
    assert _clean(text).count("某市2021年度安全生产检查工作方案") == 1


def test_a_period_of_use_is_no_schedule():
    found = page_targets("review", "救灾物资储备要满足受灾群众使用3个月时间的基本生活需求。\n", 2021)
    assert (found["kind"] == "target").sum() == 1


# -- fourth review (the test26 mends) ----------------------------------------------------------

def test_a_cited_years_plan_gives_no_year_to_a_title_without_one():
    assert plan_years("安全生产委员会工作要点", [
        "根据市安委会印发《2021年全市安全生产工作要点》，结合实际，制定《区安全生产委员会2022年工作要点》。"
    ]) == ("2022", "2022")
    assert plan_years("应急管理局工作计划", [
        "对照年初制定《2022年应急管理工作要点》确定的目标任务，现将2023年工作计划如下："]) == ("", "")
    assert plan_years("青山县森林火灾应急预案", [
        "依据县政府办公室印发《青山县2020年森林防灭火工作方案》等，制定本预案。"]) == ("", "")


def test_a_short_title_without_a_field_line_under_it_stays():
    text = ("青山镇防汛抗旱应急预案\n1 总则\n1.1 编制目的\n为认真做好防汛抗旱工作，制定本预案。\n"
            "1.2 预案体系\n青山镇防汛抗旱应急预案是青山镇突发事件应急预案体系的组成部分。\n")
    assert _clean(text).startswith("青山镇防汛抗旱应急预案\n1 总则")
    outline = ("青山县应急管理工作安排\n第一部分 总体工作方案\n第二部分 重点任务清单\n"
               "第一部分 总体工作方案\n为贯彻落实安全生产责任制，制定本方案。\n")
    assert _clean(outline).count("总体工作方案") == 2
