"""Linli's words for people: ONE catalogue of user-facing strings, in Simplified Chinese (the default) and English.

``text(lang, key, **fields)`` looks a string up and fills its ``{fields}``; :func:`step_title` names a verification
step (docs/protocol.md §V). The verifier takes its English step titles from here, the report its whole page, and the
CLI its verification report. Outcome wording stays with the election kinds (voting.kinds: ``title_zh``,
``describe_outcome``); this catalogue only holds the built-in kinds' layout strings (headlines, elected and runoff
lines, the rules in words) and the yes / no / abstain labels.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["LANGS", "check_lang", "step_title", "strings", "text"]

LANGS = ("zh", "en")

_STEP_TITLES: dict[str, dict[int, str]] = {
    "zh": {
        1: "记录格式",
        2: "检查点签名",
        3: "账本完整性",
        4: "选举设置、密钥仪式、选民名册与凭证",
        5: "投票规则（时段、凭证、重放、改票）",
        6: "选票证明（资格与有效性）",
        7: "密文汇总",
        8: "解密份额",
        9: "计票结果",
        10: "按规则判定结果",
    },
    "en": {
        1: "Record format",
        2: "Checkpoint signatures",
        3: "Ledger integrity",
        4: "Election set-up, key ceremony, roll and credentials",
        5: "Ballot rules (phase, credential, replay, re-vote)",
        6: "Ballot proofs (eligibility and validity)",
        7: "Aggregation",
        8: "Decryption shares",
        9: "Result totals",
        10: "Outcome under the rules",
    },
}

_TEXT: dict[str, dict[str, str]] = {
    "zh": {
        "html_lang": "zh-CN",
        "sep": "；",
        "list_sep": "、",
        "brand": "邻里投票 · 结果报告",
        "kind.unknown": "未知类型",
        "option.yes": "赞成",
        "option.no": "反对",
        "option.abstain": "弃权",
        "election_id": "选举编号",
        "question": "表决事项",
        "outcome": "结果",
        "outcome.passed": "通过",
        "outcome.decided": "已判定",
        "outcome.not_passed": "未通过",
        "outcome.void": "无效：参与未达法定比例",
        "outcome.elected": "全部席位已选出",
        "outcome.runoff": "需要另行选举",
        "outcome.pending": "尚未公布结果",
        "outcome.unverified": "记录中的结果无法验证",
        "elected": "当选（按得票排序）：",
        "nobody_elected": "无人当选",
        "runoff": "需另行选举 {seats} 个席位，涉及候选人：{names}",
        "major": "重大事项（需四分之三）",
        "ordinary": "一般事项（需过半数）",
        "rule.referendum": "有效条件：投票人数超过登记选民的一半（{ballots}/{roll}）。"
        "通过条件：赞成票超过投票总数的一半（赞成 {yes}/{ballots}）。弃权计入投票总数。",
        "rule.committee": "有效条件：投票人数超过登记选民的一半（{ballots}/{roll}）。"
        "当选条件：得票超过投票人数的一半，按得票多少依次当选，共 {seats} 个席位；末位同票或席位未满则另行选举。",
        "rule.assembly": "有效条件：参与表决的业主人数和专有部分面积均不少于总数的三分之二"
        "（人数 {heads}/{owners}，面积 {area}/{total_area} m²）。通过条件：赞成的人数和面积{need}。",
        "need.major": "均不少于参与表决的四分之三",
        "need.ordinary": "均超过参与表决的一半",
        "record_reason": "计票规则的判定（记录原文）",
        "turnout": "投票率",
        "turnout.ballots": "已计入选票 {ballots} 张 / 登记选民 {roll} 人",
        "turnout.heads": "参与业主 {heads} 人 / 业主总数 {owners} 人",
        "turnout.area": "参与面积 {area} m² / 总面积 {total_area} m²",
        "threshold_mark": "法定线 {mark}",
        "totals": "计票结果",
        "chart.votes": "各选项得票",
        "chart.candidates": "各候选人得票",
        "chart.heads": "按人数",
        "chart.area": "按专有部分面积",
        "col.option": "选项",
        "col.candidate": "候选人",
        "col.votes": "票数",
        "col.share": "占投票",
        "col.heads": "人数",
        "col.area": "面积（m²）",
        "verification": "独立验证",
        "verify.passed": "全部 {n} 项检查通过：本结果由公开记录独立复核，任何人都可以重复验证。",
        "verify.failed": "验证未通过！以下结果不可信。",
        "verify.failed_detail": "记录未能通过第 {steps} 项检查。请勿依据本页公布的结果作出任何决定，并联系选举管理员。",
        "claimed": "记录声称的结果（未通过验证，不可信）",
        "step.pass": "通过",
        "step.fail": "未通过",
        "how": "如何自行验证",
        "how.intro": "本报告不需要信任服务器或报告的制作者：用开源的 linli 工具即可从选举记录独立重算全部结果。",
        "how.verify": "验证整个记录（签名检查点、账本完整性、每张选票的证明、解密份额、计票与判定规则）：",
        "how.pin": "并核对日志公钥和选举指纹与服务器和公告栏公布的一致：",
        "how.tamper": "改动记录中的任何一个值，验证都会失败。可以自己试一试：",
        "how.hash": "entries.jsonl 文件的 SHA-256（可用 sha256sum 核对）：",
        "details": "记录信息",
        "detail.origin": "日志来源",
        "detail.log_key": "日志公钥",
        "detail.fingerprint": "选举指纹",
        "fingerprint.compare": "请与公告栏上公布的指纹核对",
        "detail.root": "账本根哈希（RFC 9162）",
        "detail.entries": "记录条目数",
        "detail.checkpoints": "签名检查点数",
        "detail.replayed": "已验证的进度",
        "detail.roll": "登记选民",
        "detail.ballots": "投出 / 计入选票",
        "detail.eligibility": "资格方式",
        "eligibility.signing": "实名凭证签名",
        "eligibility.anonymous": "匿名凭证（BBS）",
        "detail.trustees": "计票受托人",
        "detail.threshold": "解密门限",
        "detail.threshold_value": "{t} / {n} 人",
        "detail.shares_used": "参与解密的受托人",
        "detail.modulus": "密钥长度",
        "detail.modulus_value": "{bits} 位",
        "original": "原文",
        "mark.gt_half": "＞1/2",
        "mark.ge_two_thirds": "≥2/3",
        "mark.ge_three_quarters": "≥3/4",
        "chart.base_ballots": "条长按占投票总数（{ballots} 张）的比例绘制",
        "chart.base_heads": "条长按占参与表决业主人数（{heads} 人）的比例绘制",
        "chart.base_area": "条长按占参与表决面积（{area} m²）的比例绘制",
        "area": "面积披露",
        "area.accepted": "管理员已在选举定义中明确接受：披露的面积可能识别出业主的投票（--accept-area-disclosure）。",
        "area.not_accepted": "选举定义未声明接受面积披露。",
        "area.exact": "与公开的选票面积和各选项合计相符的投票分配共有 {assignments} 种；"
        "其中 {attributed} / {ballots} 张选票的选项由此被唯一确定。",
        "area.bound": "计算达到工作量上限：保守地视为全部 {ballots} 张选票都可能被识别。",
        "area.unanimous": "全部选票选择了同一选项：这由人数合计本身即可得知，与面积无关。",
        "area.none": "没有任何选票的选项可由面积和合计推出。",
        "area.forced": "面积 {area} m² 的 {ballots} 张选票：{option}",
        "area.roll": "名册的最坏情况：{unique} / {owners} 名业主的面积在名册上独一无二，"
        "若其投票与其他人不同即可被识别；同面积的业主彼此隐藏（最小的同面积组 {smallest} 人）。",
        "area.signing": "实名凭证模式下每张选票对应的房屋是公开的：被唯一确定的选项就是该房屋的投票。",
        "phase.empty": "无",
        "phase.created": "已创建",
        "phase.keyed": "已发布密钥",
        "phase.open": "投票中",
        "phase.closed": "已截止并汇总",
        "phase.published": "已公布结果",
        "footer": "由 linli report 根据选举记录生成。页面不加载任何外部资源。",
        # the verifier's report on the command line (linli verify --lang zh)
        "cli.title": "选举 {election} 的验证",
        "cli.fingerprint": "选举指纹 {fingerprint}（{compare}）",
        "cli.pass": "通过",
        "cli.fail": "未通过",
        "cli.totals": "计票：{totals}",
        "cli.outcome": "结果：{outcome}",
        "cli.passed": "结论：全部检查通过",
        "cli.failed": "结论：验证未通过",
        # the verifier's step details, failures and missing evidence (client/verifier.py: Note)
        "v.raw": "检查未通过",
        "v.words": "{zh}",
        "v.entries": "{n} 个条目",
        "v.no_entries": "记录中没有任何条目",
        "v.entry_error": "条目 {index}：{what}",
        "v.foreign_entry": "条目 {index} 属于另一个选举 {election}",
        "v.checkpoints": "{n} 个检查点，均由 {signer} 签名",
        "v.no_checkpoint": "记录中没有检查点",
        "v.checkpoint_error": "检查点的签名、日志公钥或来源无效",
        "v.no_witnesses": "{n} 个检查点，均由 {signer} 签名；本选举未指定见证人",
        "v.witnessed": (
            "{n} 个检查点，均由 {signer} 签名；最后一个（{size} 个条目）有 {k} 位见证人的联署（法定数 {q}/{w}）"
        ),
        "v.witness_error": "检查点 {size} 上的见证人联署无效",
        "v.quorum": "最后一个检查点（{size} 个条目）只有 {k} 位见证人的联署，选举要求 {q} 位",
        "v.root": "根哈希 {root}…，覆盖 {n} 个条目",
        "v.beyond": "大小为 {size} 的检查点超出了记录的 {n} 个条目",
        "v.root_mismatch": "条目的哈希与大小为 {size} 的签名根哈希不一致",
        "v.inconsistent": "检查点 {a} → {b} 不一致",
        "v.last_short": "最后一个检查点只覆盖 {a} / {b} 个条目",
        "v.replay_error": "条目 {index}（{kind}）被拒绝：{what}",
        "v.no_definition_fp": "记录中没有选举定义，无法核对选举指纹",
        "v.fp_mismatch": "选举指纹是 {actual}，不是预期的 {expected}：这不是公告栏上的那次选举",
        "v.not_reached": "未执行（前面的检查未通过）",
        "v.ends_before": "记录在结果公布之前就结束了（选举进度：{phase}）",
        "v.setup": "受托人 {t} / {n}，密钥 {bits} 位（由发牌方生成），名册 {roll} 人，凭证 {credentials} 份",
        "v.setup_ceremony": (
            "受托人 {t} / {n}，密钥 {bits} 位（由受托人共同生成，{n} 位全部背书，仪式记录 {messages} 条消息已核对），"
            "名册 {roll} 人，凭证 {credentials} 份"
        ),
        "v.ceremony_error": "密钥仪式记录（ceremony.jsonl）未通过核对",
        "v.ceremony_unexpected": "记录中有 ceremony.jsonl，但公布的密钥没有记载密钥仪式",
        "v.ballots": "投出选票 {cast} 张，计入 {counted} 张",
        "v.tally": "{count} 个汇总密文，覆盖 {counted} 张选票",
        "v.shares": "受托人 {trustees} 的解密份额",
        "v.no_key": "未公布选举密钥",
        "v.no_ballots": "没有选票",
        "v.ballots_verified": "{ok} / {n} 张选票验证通过",
        "v.pairing": "条目 {index}：资格证明不成立（批量配对检查）",
        "v.original": "原文",
        "entry.election.created": "创建选举",
        "entry.roll.published": "公布名册",
        "entry.key.published": "公布密钥",
        "entry.credential.issued": "发放凭证",
        "entry.roll.corrected": "更正名册",
        "entry.credential.revoked": "撤销凭证",
        "entry.election.opened": "开始投票",
        "entry.ballot": "选票",
        "entry.election.closed": "截止投票",
        "entry.tally": "汇总",
        "entry.decryption.share": "解密份额",
        "entry.result": "结果",
        "error.InvalidEncoding": "编码不规范",
        "error.InvalidElection": "选举定义、密钥或名册不符合规则",
        "error.InvalidStatement": "声明无效（签名、作者或类型不符）",
        "error.WrongPhase": "不在允许的阶段",
        "error.Conflict": "重复的声明或编号",
        "error.InvalidBallot": "选票无效",
        "error.NotEligible": "选票的资格证明无效",
        "error.DuplicateBallot": "重复的选票",
        "error.InvalidShare": "解密份额的证明不成立",
        "error.NotFound": "引用的内容不存在",
        "error.RecordError": "记录前后不一致",
        "error.OutcomeMismatch": "公布的结果与计票规则的结果不符",
        "error.CryptoError": "密码学检查未通过",
        "error.other": "检查未通过",
        # what a voter sees before voting (linli voter ballot, linli status): only what the client verified
        "ballot.title": "选举 {election}：{title}",
        "ballot.fingerprint": "选举指纹 {fingerprint}（已从日志核验，请与公告栏核对）",
        "ballot.kind": "类型：{kind}",
        "ballot.question": "表决事项：{question}",
        "ballot.options": "选项：{options}",
        "ballot.candidates": "候选人（{seats} 个席位，最多选 {seats} 人）：{names}",
        "ballot.approval": "选项（可多选）：{names}",
        "ballot.how.fixed": "投票方式：linli voter vote … --choice yes、no 或 abstain（也可写 赞成 / 反对 / 弃权）",
        "ballot.how.names": '投票方式：linli voter vote … --choice "{example}"'
        '（姓名之间用逗号或顿号分隔；"" 为空白票）',
        "ballot.rules": "规则：{rule}",
        "ballot.rule.referendum": "有效条件：投票人数超过登记选民（{roll} 人）的一半。"
        "通过条件：赞成票超过投票总数的一半；弃权计入投票总数。",
        "ballot.rule.committee": "有效条件：投票人数超过登记选民（{roll} 人）的一半。当选条件：得票超过投票人数的一半，"
        "按得票多少依次当选，共 {seats} 个席位；末位同票或席位未满则另行选举。",
        "ballot.rule.assembly": "有效条件：参与表决的业主人数和专有部分面积均不少于总数的三分之二（业主 {owners} 人，"
        "总面积 {total_area} m²）。通过条件：赞成的人数和面积{need}。",
        "ballot.rule.approval": "有效条件：投票人数超过登记选民（{roll} 人）的一半。"
        "采纳条件：获得超过投票总数一半的赞同。",
        "ballot.revote.last": "改票：可以重新投票，以最后一张选票为准。",
        "ballot.revote.refuse": "改票：不可改票，第一张选票有效。",
        "ballot.window.none": "投票时间：不设固定时段，从管理员开启（linli admin open）到截止（linli admin close）。",
        "ballot.window": "投票时间：{opens} 至 {closes}",
        "ballot.window.unbounded": "不限",
        "ballot.phase": "当前：{phase}",
        "ballot.eligibility.signing": "资格方式：实名凭证签名（公开记录显示哪些名册条目投了票，但不显示投了什么）。",
        "ballot.eligibility.anonymous": "资格方式：匿名凭证（BBS）：任何人（包括登记员）都无法把选票与名册条目对应。",
        "ballot.notice.area": "注意：投票权重按专有部分面积计算；面积随选票公开（匿名模式下由凭证披露），"
        "独一无二的面积可能识别出具体房屋。",
        "ballot.description": "说明：{description}",
        "ballot.private": "您的选择在本机加密后才发送；只有汇总结果会被解密。",
        "status.counts": "名册 {roll} 人；已发凭证 {credentials}；已投票 {cast} 张，计入 {counted} 张；日志 {size} 条",
        "status.result": "结果（已从公开记录独立验证）：{outcome}",
        "status.totals": "计票：{totals}",
        "status.unverified": "服务器公布了结果，但记录未通过验证（第 {steps} 项）："
        "请勿采信，运行 linli verify 查看详情",
        "next": "下一步：{step}",
        "next.ceremony": "管理员运行 linli admin ceremony（生成并公布选举密钥）",
        "next.roll": "管理员运行 linli admin roll（公布选民名册）",
        "next.issue": "登记员为名册上的每户发放凭证，然后管理员运行 linli admin open",
        "next.open": "管理员运行 linli admin open（开始投票）",
        "next.vote": "选民投票（linli voter vote）；投票结束后管理员运行 linli admin close",
        "next.decrypt": "还需要 {missing} 名受托人运行 linli trustee decrypt（{done}/{threshold}）",
        "next.publish": "结果已公布：运行 linli admin publish 导出记录，再用 linli verify 验证",
    },
    "en": {
        "html_lang": "en",
        "sep": "; ",
        "list_sep": ", ",
        "brand": "Linli · Election result report",
        "kind.unknown": "Unknown kind",
        "option.yes": "Yes",
        "option.no": "No",
        "option.abstain": "Abstain",
        "election_id": "Election id",
        "question": "Question",
        "outcome": "Outcome",
        "outcome.passed": "PASSED",
        "outcome.decided": "DECIDED",
        "outcome.not_passed": "NOT PASSED",
        "outcome.void": "VOID: participation below the legal threshold",
        "outcome.elected": "All seats filled",
        "outcome.runoff": "Runoff needed",
        "outcome.pending": "No result published yet",
        "outcome.unverified": "The result in the record could not be verified",
        "elected": "Elected (by rank): ",
        "nobody_elected": "Nobody elected",
        "runoff": "A runoff is needed for {seats} seat(s), among: {names}",
        "major": "Major matter (three quarters needed)",
        "ordinary": "Ordinary matter (more than half needed)",
        "rule.referendum": "Valid if more than half of the registered voters vote ({ballots}/{roll}). "
        "Passes if more than half of the ballots say yes (yes {yes}/{ballots}). Abstentions count as ballots.",
        "rule.committee": "Valid if more than half of the registered voters vote ({ballots}/{roll}). "
        "A candidate is elected with more than half of the ballots, by rank, for {seats} seat(s); "
        "a tie for the last seat or an unfilled seat goes to a runoff.",
        "rule.assembly": "Valid if owners holding at least two thirds of the exclusive area and at least two thirds "
        "of the owners take part (owners {heads}/{owners}, area {area}/{total_area} m²). "
        "Passes if the yes votes are {need}.",
        "need.major": "at least three quarters of the participating owners and area",
        "need.ordinary": "more than half of the participating owners and area",
        "record_reason": "The rules' finding (as recorded)",
        "turnout": "Turnout",
        "turnout.ballots": "{ballots} ballots counted of {roll} registered voters",
        "turnout.heads": "{heads} of {owners} owners took part",
        "turnout.area": "{area} m² of {total_area} m² took part",
        "threshold_mark": "threshold {mark}",
        "totals": "Totals",
        "chart.votes": "Votes per option",
        "chart.candidates": "Votes per candidate",
        "chart.heads": "By owners",
        "chart.area": "By exclusive area",
        "col.option": "Option",
        "col.candidate": "Candidate",
        "col.votes": "Votes",
        "col.share": "Of ballots",
        "col.heads": "Owners",
        "col.area": "Area (m²)",
        "verification": "Independent verification",
        "verify.passed": "All {n} checks passed: this result was recomputed from the public record, "
        "and anyone can repeat the check.",
        "verify.failed": "VERIFICATION FAILED. The result below is not trustworthy.",
        "verify.failed_detail": "The record fails check(s) {steps}. Do not act on the result shown on this page; "
        "contact the election administrator.",
        "claimed": "Outcome claimed by the record (NOT verified, not trustworthy)",
        "step.pass": "pass",
        "step.fail": "FAIL",
        "how": "How to verify it yourself",
        "how.intro": "You need not trust the server or whoever made this page: the open-source linli tool "
        "recomputes everything from the election record.",
        "how.verify": "Verify the whole record (signed checkpoints, ledger integrity, every ballot's proofs, "
        "the decryption shares, the totals and the rules):",
        "how.pin": "and check that the log key and the election's fingerprint are the ones the server and the "
        "notice board publish:",
        "how.tamper": "Changing any value in the record makes verification fail. Try it:",
        "how.hash": "SHA-256 of entries.jsonl (compare with sha256sum):",
        "details": "Record details",
        "detail.origin": "Log origin",
        "detail.log_key": "Log key",
        "detail.fingerprint": "Election fingerprint",
        "fingerprint.compare": "compare it with the notice board",
        "detail.root": "Ledger root (RFC 9162)",
        "detail.entries": "Entries",
        "detail.checkpoints": "Signed checkpoints",
        "detail.replayed": "Verified up to",
        "detail.roll": "Registered voters",
        "detail.ballots": "Ballots cast / counted",
        "detail.eligibility": "Eligibility",
        "eligibility.signing": "signed credentials",
        "eligibility.anonymous": "anonymous credentials (BBS)",
        "detail.trustees": "Trustees",
        "detail.threshold": "Decryption threshold",
        "detail.threshold_value": "{t} of {n}",
        "detail.shares_used": "Trustees who decrypted",
        "detail.modulus": "Key size",
        "detail.modulus_value": "{bits} bit",
        "original": "original",
        "mark.gt_half": "> 1/2",
        "mark.ge_two_thirds": "≥ 2/3",
        "mark.ge_three_quarters": "≥ 3/4",
        "chart.base_ballots": "bars show the share of the {ballots} ballots",
        "chart.base_heads": "bars show the share of the {heads} participating owners",
        "chart.base_area": "bars show the share of the {area} m² taking part",
        "area": "Area disclosure",
        "area.accepted": "The administrator explicitly accepted, in the election's definition, that the disclosed "
        "areas may identify owners' votes (--accept-area-disclosure).",
        "area.not_accepted": "The election's definition does not accept area disclosure.",
        "area.exact": "{assignments} assignments of options to the ballots fit the disclosed areas and the "
        "published totals; {attributed} of the {ballots} ballots have their option forced by them.",
        "area.bound": "The computation reached its work bound: conservatively, each of the {ballots} ballots may "
        "be attributable.",
        "area.unanimous": "Every ballot chose the same option: the head totals alone say so, whatever the areas.",
        "area.none": "No ballot's option follows from the areas and the totals.",
        "area.forced": "{ballots} ballot(s) of {area} m²: {option}",
        "area.roll": "Worst case from the roll: {unique} of {owners} owners have an area no other owner has, and "
        "their vote is identified if it differs from everyone else's; owners of one area hide each other "
        "(smallest group of one area: {smallest}).",
        "area.signing": "In the signing mode each ballot's flat is public: a forced option is that flat's vote.",
        "phase.empty": "nothing",
        "phase.created": "created",
        "phase.keyed": "key published",
        "phase.open": "open for voting",
        "phase.closed": "closed and tallied",
        "phase.published": "result published",
        "footer": "Generated by linli report from the election record. This page loads no external resource.",
        # the verifier's report on the command line (linli verify)
        "cli.title": "Verification of election {election}",
        "cli.fingerprint": "Fingerprint {fingerprint} ({compare})",
        "cli.pass": "PASS",
        "cli.fail": "FAIL",
        "cli.totals": "Totals: {totals}",
        "cli.outcome": "Outcome: {outcome}",
        "cli.passed": "RESULT: every check passed",
        "cli.failed": "RESULT: VERIFICATION FAILED",
        # the verifier's step details, failures and missing evidence (client/verifier.py: Note)
        "v.raw": "{error}",
        "v.words": "{en}",
        "v.entries": "{n} entries",
        "v.no_entries": "the record has no entries",
        "v.entry_error": "entry {index}: {error}",
        "v.foreign_entry": "entry {index} belongs to election {election!r}",
        "v.checkpoints": "{n} checkpoints signed by {signer}",
        "v.no_checkpoint": "the record has no checkpoint",
        "v.checkpoint_error": "{error}",
        "v.no_witnesses": "{n} checkpoints signed by {signer}; no witnesses (the election names none)",
        "v.witnessed": (
            "{n} checkpoints signed by {signer}; the last ({size} entries) cosigned by {k} witnesses"
            " (quorum {q} of {w})"
        ),
        "v.witness_error": "checkpoint {size}: {error}",
        "v.quorum": (
            "the final checkpoint ({size} entries) has {k} of the {q} witness cosignatures the election requires"
        ),
        "v.root": "root {root}… over {n} entries",
        "v.beyond": "checkpoint of size {size} is beyond the {n} entries",
        "v.root_mismatch": "the entries do not hash to the signed root at size {size}",
        "v.inconsistent": "checkpoint {a} -> {b}: {error}",
        "v.last_short": "the last checkpoint covers {a} of {b} entries",
        "v.replay_error": "entry {index} ({kind_value}): {error}",
        "v.no_definition_fp": "the record has no election definition to compare the fingerprint with",
        "v.fp_mismatch": "the election's fingerprint is {actual}, not the expected {expected}: this is not the "
        "election on the notice board",
        "v.not_reached": "not reached",
        "v.ends_before": "the record ends before the result (election is {phase_value})",
        "v.setup": "{t} of {n} trustees, {bits}-bit key made by a dealer, roll of {roll}, {credentials} credentials",
        "v.setup_ceremony": (
            "{t} of {n} trustees, {bits}-bit key made by the trustees (endorsed by all {n}, a transcript of "
            "{messages} messages checked), roll of {roll}, {credentials} credentials"
        ),
        "v.ceremony_error": "the key ceremony's transcript (ceremony.jsonl): {error}",
        "v.ceremony_unexpected": "the record has ceremony.jsonl, but key.published names no ceremony",
        "v.ballots": "{cast} ballots cast, {counted} counted",
        "v.tally": "{count} tally ciphertext(s) over {counted} ballots",
        "v.shares": "shares of trustees {trustees}",
        "v.no_key": "no key published",
        "v.no_ballots": "no ballots",
        "v.ballots_verified": "{ok} of {n} ballots verified",
        "v.pairing": "entry {index}: eligibility proof does not verify (pairing check of the batch)",
        "v.original": "original",
        "entry.election.created": "election created",
        "entry.roll.published": "roll published",
        "entry.key.published": "key published",
        "entry.credential.issued": "credential issued",
        "entry.roll.corrected": "roll corrected",
        "entry.credential.revoked": "credential revoked",
        "entry.election.opened": "election opened",
        "entry.ballot": "ballot",
        "entry.election.closed": "election closed",
        "entry.tally": "tally",
        "entry.decryption.share": "decryption share",
        "entry.result": "result",
        "error.InvalidEncoding": "non-canonical encoding",
        "error.InvalidElection": "the definition, key or roll breaks the rules",
        "error.InvalidStatement": "invalid statement (signature, author or kind)",
        "error.WrongPhase": "not allowed in this phase",
        "error.Conflict": "a duplicate statement or id",
        "error.InvalidBallot": "invalid ballot",
        "error.NotEligible": "the ballot's eligibility evidence is invalid",
        "error.DuplicateBallot": "a duplicate ballot",
        "error.InvalidShare": "the decryption share's proof does not hold",
        "error.NotFound": "refers to something that does not exist",
        "error.RecordError": "the record is inconsistent",
        "error.OutcomeMismatch": "the published outcome is not what the rules give",
        "error.CryptoError": "a cryptographic check failed",
        "error.other": "check failed",
        # what a voter sees before voting (linli voter ballot, linli status): only what the client verified
        "ballot.title": "Election {election}: {title}",
        "ballot.fingerprint": "Fingerprint {fingerprint} (verified from the log; compare it with the notice board)",
        "ballot.kind": "Kind: {kind}",
        "ballot.question": "Question: {question}",
        "ballot.options": "Options: {options}",
        "ballot.candidates": "Candidates ({seats} seat(s); mark at most {seats}): {names}",
        "ballot.approval": "Options (mark any number): {names}",
        "ballot.how.fixed": "To vote: linli voter vote … --choice yes, no or abstain (or 赞成 / 反对 / 弃权)",
        "ballot.how.names": 'To vote: linli voter vote … --choice "{example}" (names separated by commas; "" is a '
        "blank ballot)",
        "ballot.rules": "Rules: {rule}",
        "ballot.rule.referendum": "Valid if more than half of the {roll} registered voters vote. Passes if more than "
        "half of the ballots say yes; abstentions count as ballots.",
        "ballot.rule.committee": "Valid if more than half of the {roll} registered voters vote. A candidate is elected "
        "with more than half of the ballots, by rank, for {seats} seat(s); a tie for the last seat or an unfilled "
        "seat goes to a runoff.",
        "ballot.rule.assembly": "Valid if at least two thirds of the {owners} owners and of the {total_area} m² of "
        "exclusive area take part. Passes if the yes votes are {need}.",
        "ballot.rule.approval": "Valid if more than half of the {roll} registered voters vote. An option is adopted if "
        "more than half of the ballots approve it.",
        "ballot.revote.last": "Re-voting: you may vote again; only your last ballot counts.",
        "ballot.revote.refuse": "Re-voting: not allowed; your first ballot counts.",
        "ballot.window.none": "Voting window: none fixed; voting runs from the administrator's `linli admin open` to "
        "`linli admin close`.",
        "ballot.window": "Voting window: {opens} to {closes}",
        "ballot.window.unbounded": "no limit",
        "ballot.phase": "Now: {phase}",
        "ballot.eligibility.signing": "Eligibility: signed credentials (the record shows which roll entries voted, "
        "never how).",
        "ballot.eligibility.anonymous": "Eligibility: anonymous credentials (BBS): nobody, not even the registrar, can "
        "link a ballot to a roll entry.",
        "ballot.notice.area": "Note: votes are weighted by exclusive floor area; the area is public with each ballot "
        "(disclosed by the credential in anonymous mode), and a unique area can identify a flat.",
        "ballot.description": "Description: {description}",
        "ballot.private": "Your choice is encrypted on this device before it is sent; only the totals are ever "
        "decrypted.",
        "status.counts": "roll {roll}; credentials {credentials}; ballots cast {cast}, counted {counted}; "
        "log size {size}",
        "status.result": "Result (verified from the public record): {outcome}",
        "status.totals": "Totals: {totals}",
        "status.unverified": "The server published a result, but the record does NOT verify (steps {steps}): do not "
        "rely on it; run linli verify for details",
        "next": "Next step: {step}",
        "next.ceremony": "the administrator runs `linli admin ceremony` (makes and publishes the election key)",
        "next.roll": "the administrator runs `linli admin roll` (publishes the voter roll)",
        "next.issue": "the registrar issues a credential per roll entry, then the administrator runs "
        "`linli admin open`",
        "next.open": "the administrator runs `linli admin open` (opens voting)",
        "next.vote": "voters vote (`linli voter vote`); when voting ends the administrator runs `linli admin close`",
        "next.decrypt": "{missing} more trustee(s) run `linli trustee decrypt` ({done} of {threshold} shares in)",
        "next.publish": "the result is out: run `linli admin publish` to export the record, then `linli verify` it",
    },
}


def check_lang(lang: str) -> str:
    """``lang`` if the catalogue has it; else ValueError naming the languages it has."""
    if lang not in _TEXT:
        raise ValueError(f"unsupported language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def text(lang: str, key: str, **fields: object) -> str:
    """The string ``key`` in ``lang``, its ``{fields}`` filled in (KeyError for a key the catalogue lacks)."""
    value = _TEXT[check_lang(lang)][key]
    return value.format(**fields) if fields else value


def strings(lang: str) -> Mapping[str, str]:
    """Every string of ``lang``, read-only (for code that looks many up)."""
    return MappingProxyType(_TEXT[check_lang(lang)])


def step_title(number: int, lang: str = "en") -> str:
    """The title of verification step ``number`` (1-10, docs/protocol.md §V)."""
    return _STEP_TITLES[check_lang(lang)][number]
