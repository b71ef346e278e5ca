// Every string the booth shows, in Chinese (the default) and English: one catalogue, one lookup. Wording follows
// the CLI's catalogue (client/catalogue.py) where both say the same thing, so a voter reads the same words on the
// notice board, in the booth and in `linli voter ballot`. The browser tests check screens against these strings.

export const LANGS = ["zh", "en"] as const;
export type Lang = (typeof LANGS)[number];

const zh = {
  "app.name": "邻里投票",
  "lang.switch": "English",
  "lang.switch.label": "Switch to English",
  "common.back": "返回",
  "common.retry": "重试",
  "common.download": "下载",
  "common.copy": "复制文本",
  "common.copied": "已复制",
  "common.continue": "继续",
  "common.working": "正在处理…",
  "common.error": "出错了：{reason}",
  "list.sep": "、",

  "open.title": "打开选举",
  "open.intro": "请用手机扫描公告栏上的二维码；也可以输入公告栏上的选举编号和选举指纹。",
  "open.election": "选举编号",
  "open.fingerprint": "选举指纹（公告栏上的 20 个字符）",
  "open.go": "核验并打开",
  "open.saved": "本机保存的选举",
  "open.missing": "请填写选举编号和选举指纹",

  "verify.title": "正在核验选举",
  "verify.intro": "投票之前，手机先独立核验服务器给出的选举：签名、名册、选举密钥及其证明、日志的一致性和选举指纹。",
  "verify.fetching": "正在下载选举日志…",
  "verify.checking": "正在核验签名、名册、密钥证明和指纹…",

  "refused.title": "此选举未通过核验",
  "refused.body": "手机无法确认服务器给出的选举就是公告栏上的选举。请不要在这里投票，并告知居委会或业委会。",
  "refused.reason": "原因：{reason}",
  "refused.why.ElectionMismatch": "这不是公告栏上的那次选举：选举指纹或日志密钥与预期的不一致。",
  "refused.why.ElectionInvalid": "服务器给出的选举记录不符合选举规则（签名、名册、密钥或其证明）。",
  "refused.why.ReceiptInvalid": "服务器日志的签名或一致性证明不成立（日志可能被改动或回滚）。",
  "refused.why.other": "选举数据未通过手机的检查。",
  "refused.expected": "公告栏上的指纹：{fingerprint}",
  "refused.fingerprint": "服务器给出的选举指纹是 {got}，与公告栏上的 {expected} 不一致",

  "election.fingerprint": "选举指纹",
  "election.fingerprint.compare": "请与公告栏上的指纹逐字核对。手机已核验服务器的日志与这个指纹一致。",
  "election.kind.referendum": "表决",
  "election.kind.committee": "委员会选举（差额选举）",
  "election.kind.assembly": "业主大会决定",
  "election.kind.approval": "意见征集",
  "election.question": "表决事项",
  "election.candidates": "候选人（{seats} 个席位，最多选 {seats} 人）",
  "election.options": "选项",
  "election.rules": "规则",
  "election.rule.referendum": "有效条件：投票人数超过登记选民（{roll} 人）的一半。通过条件：赞成票超过投票总数的一半；弃权计入投票总数。",
  "election.rule.committee":
    "有效条件：投票人数超过登记选民（{roll} 人）的一半。当选条件：得票超过投票人数的一半，按得票多少依次当选，共 {seats} 个席位；末位同票或席位未满则另行选举。",
  "election.rule.assembly":
    "有效条件：参与表决的业主人数和专有部分面积均不少于总数的三分之二（业主 {owners} 人，总面积 {area} m²）。通过条件：赞成的人数和面积{need}。",
  "election.rule.approval": "有效条件：投票人数超过登记选民（{roll} 人）的一半。采纳条件：获得超过投票总数一半的赞同。",
  "election.need.major": "均不少于参与表决的四分之三（重大事项）",
  "election.need.ordinary": "均超过参与表决的一半（一般事项）",
  "election.revote.last": "改票：可以重新投票，以最后一张选票为准。",
  "election.revote.refuse": "改票：不可改票，第一张选票有效。",
  "election.eligibility.signing": "资格方式：实名凭证签名（公开记录显示哪些名册条目投了票，但不显示投了什么）。",
  "election.eligibility.anonymous": "资格方式：匿名凭证：任何人（包括登记员）都无法把选票与名册条目对应。",
  "election.window": "投票时间：{opens} 至 {closes}",
  "election.window.none": "投票时间：从管理员开启到截止，不设固定时段。",
  "election.window.unbounded": "不限",
  "election.phase": "当前：{phase}",
  "phase.created": "已创建，尚未发布密钥",
  "phase.keyed": "准备中，尚未开始投票",
  "phase.open": "投票中",
  "phase.closed": "已截止",
  "phase.published": "已公布结果",
  "election.notice.area":
    "注意：投票权重按专有部分面积计算；面积随选票公开（匿名模式下由凭证披露），独一无二的面积可能识别出具体房屋。",
  "election.description": "说明",
  "election.not_open": "现在还不能投票（{phase}）。您可以先领取凭证。",
  "election.closed": "投票已截止。您仍可核对本机保存的回执。",
  "election.vote": "去投票",
  "election.get_credential": "领取凭证",
  "election.receipts": "核对我的回执",
  "election.backup": "备份凭证",
  "election.private": "您的选择在本机加密后才发送；只有汇总结果会被解密。",
  "election.test_key": "注意：此选举使用 {bits} 位的测试密钥，仅供测试，不能用于正式选举。",
  "precompute.running": "正在为加密做准备 {pct}%",
  "precompute.done": "加密准备就绪",

  "option.yes": "赞成",
  "option.no": "反对",
  "option.abstain": "弃权",

  "cred.title": "投票凭证",
  "cred.intro": "本机还没有这次选举的凭证。凭证在本机生成并只保存在本机；登记员只看到它的公开部分。",
  "cred.intro.anonymous": "这是匿名凭证：登记员只看到一个盲化的请求，以后无法认出您的选票。",
  "cred.make": "在本机生成凭证",
  "cred.restore": "从备份恢复",
  "cred.code.title": "请把此代码给登记员",
  "cred.code.body": "登记员核对您的身份和房号后为您发放凭证。此代码不含任何秘密，请保持此页面打开。",
  "cred.code.label": "登记代码",
  "cred.check.label": "核对码",
  "cred.check.body": "登记员取到您的请求后会念出一个核对码，它必须与这里的一致。",
  "cred.waiting": "等待登记员发放…",
  "cred.issued": "凭证已发放，并保存在本机。",
  "cred.issued.entry": "日志第 {index} 条记录了这次发放。",
  "cred.backup.advice": "建议现在备份凭证：换手机或清除浏览器数据后可以用备份恢复。",
  "cred.failed": "凭证未能完成：{reason}",

  "backup.title": "备份凭证",
  "backup.intro": "备份用您设置的密码加密，忘记密码就无法恢复。请像保管手机一样保管备份：密码太短时，拿到备份的人可能猜出密码。用较长的密码更安全。",
  "backup.pin": "设置备份密码（至少 6 位）",
  "backup.pin2": "再输入一次密码",
  "backup.make": "生成备份",
  "backup.pin.short": "密码至少 6 位",
  "backup.pin.mismatch": "两次输入的密码不一致",
  "backup.ready": "备份已生成。请用另一台设备拍下二维码，或下载、复制下面的文本，妥善保存。",
  "backup.download": "下载备份文件",
  "backup.working": "正在加密备份…",

  "restore.title": "从备份恢复凭证",
  "restore.text": "粘贴备份文本，或选择备份文件",
  "restore.file": "选择备份文件",
  "restore.pin": "备份密码",
  "restore.go": "恢复",
  "restore.bad": "密码错误，或备份已损坏",
  "restore.other": "这份备份属于另一次选举（{election}）",
  "restore.done": "凭证已恢复，并保存在本机。",
  "restore.working": "正在解密备份…",

  "ballot.title": "选票",
  "ballot.choose.one": "请选择一项",
  "ballot.choose.upto": "最多选 {seats} 人；一个都不选即为空白票",
  "ballot.choose.any": "可以选任意多项，也可以不选",
  "ballot.count": "已选 {n} / {seats}",
  "ballot.full": "已选满 {seats} 人：如要改选，请先取消一人",
  "ballot.review": "检查选票",
  "ballot.pick": "请先选择一项",
  "ballot.area.title": "面积公开提示",

  "review.title": "请确认您的选择",
  "review.choice": "您的选择",
  "review.blank": "空白票（不选任何一项）",
  "review.revote": "您已经投过票（日志第 {index} 条）。投出这张选票将取代之前的选票：只有最后一张计入。",
  "review.refuse": "您已经投过票（日志第 {index} 条），本次选举不允许改票：之前的选票有效。",
  "review.encrypt": "加密选票",
  "review.change": "修改",
  "review.encrypting": "正在加密选票并生成证明…",

  "sealed.title": "选票已加密",
  "sealed.code": "选票代码",
  "sealed.body": "现在可以投出这张选票；也可以先审计它：审计会公开这张选票的加密随机数，让您核对它加密的确实是您的选择，然后这张选票作废，手机再重新加密一张。",
  "sealed.cast": "投出选票",
  "sealed.audit": "审计这张选票",
  "sealed.change": "修改选择",

  "audit.title": "审计：选票已作废",
  "audit.ok": "本机核对通过：这张选票加密的是“{choice}”。",
  "audit.spoiled": "这张选票已作废，不会被投出。",
  "audit.howto": "在电脑上也可以核对（任何人都可以）：下载审计文件后运行 linli verify-audit --election {election} --opening {file}",
  "audit.download": "下载审计文件",
  "audit.show": "查看审计内容（选票及其加密随机数）",
  "audit.fresh": "重新加密一张新选票",
  "audit.checking": "正在核对审计…",

  "cast.title": "正在投出选票",
  "cast.sending": "正在发送选票…",
  "cast.retry": "暂时连接不上服务器，{seconds} 秒后重试。重发的是同一张选票，不会重复计票。",
  "cast.checking": "正在核对回执…",
  "cast.refused": "服务器拒绝了这张选票：{reason}",
  "cast.refused.FAILED_PRECONDITION": "现在不能投票：选举尚未开始、已经截止，或不在投票时间内。",
  "cast.refused.ALREADY_EXISTS": "这张选票与日志中已有的选票冲突（例如本次选举不允许改票）。",
  "cast.refused.PERMISSION_DENIED": "服务器认为此凭证无权投票（凭证未发放或已撤销）。",
  "cast.refused.INVALID_ARGUMENT": "服务器认为这张选票格式或证明有误。",

  "receipt.title": "投票成功",
  "receipt.code": "回执代码",
  "receipt.saved": "回执已保存在本机。以后可以在这里核对它。",
  "receipt.entry": "日志第 {index} 条（当时日志共 {size} 条）",
  "receipt.replaces": "这张选票取代了您之前的选票（第 {index} 条）：只有这一张计入，之前的回执将显示“已被取代”。",
  "receipt.download": "下载回执",
  "receipt.cli": "在电脑上核对：linli voter check-receipt --receipt 回执文件",

  "check.title": "核对我的回执",
  "check.none": "本机没有这次选举的回执。",
  "check.go": "与最新的日志核对",
  "check.ok": "回执有效：第 {index} 条在日志中，日志已一致地增长到 {size} 条。",
  "check.counts": "这是计入的选票。",
  "check.pending": "等待见证人联署：回执本身无误，但还没有见证人联署过包含它的检查点。请稍后再核对；若一直如此，请告知选举管理员和监督人。",
  "check.superseded": "已被第 {later} 条取代：同一凭证后来的选票计入，这一张不再计入。",
  "check.failed": "回执核对失败：{reason}",
  "check.cast_at": "投出于 {time}",
} as const;

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  "app.name": "Linli booth",
  "lang.switch": "中文",
  "lang.switch.label": "切换到中文",
  "common.back": "Back",
  "common.retry": "Try again",
  "common.download": "Download",
  "common.copy": "Copy the text",
  "common.copied": "Copied",
  "common.continue": "Continue",
  "common.working": "Working…",
  "common.error": "Something went wrong: {reason}",
  "list.sep": ", ",

  "open.title": "Open an election",
  "open.intro": "Scan the QR code on the notice board with your phone, or type the election id and fingerprint shown there.",
  "open.election": "Election id",
  "open.fingerprint": "Election fingerprint (the 20 characters on the notice board)",
  "open.go": "Verify and open",
  "open.saved": "Elections saved on this phone",
  "open.missing": "Type the election id and its fingerprint",

  "verify.title": "Checking the election",
  "verify.intro":
    "Before you vote, the phone checks the election the server shows on its own: the signatures, the roll, the election key and its proof, the log's consistency and the fingerprint.",
  "verify.fetching": "Downloading the election's log…",
  "verify.checking": "Checking the signatures, the roll, the key's proof and the fingerprint…",

  "refused.title": "This election failed verification",
  "refused.body":
    "The phone could not confirm that the election the server shows is the one on the notice board. Do not vote here; tell the residents' or owners' committee.",
  "refused.reason": "Reason: {reason}",
  "refused.why.ElectionMismatch": "This is not the election on the notice board: its fingerprint or log key is not the expected one.",
  "refused.why.ElectionInvalid": "The election record the server gives breaks the election's rules (signatures, roll, key or its proof).",
  "refused.why.ReceiptInvalid": "The server log's signature or consistency proof does not hold (the log may have been changed or rolled back).",
  "refused.why.other": "The election's data failed the phone's checks.",
  "refused.expected": "Notice-board fingerprint: {fingerprint}",
  "refused.fingerprint": "the server's election has fingerprint {got}, not {expected} as on the notice board",

  "election.fingerprint": "Election fingerprint",
  "election.fingerprint.compare":
    "Compare it character by character with the notice board. The phone checked that the server's log matches this fingerprint.",
  "election.kind.referendum": "Referendum",
  "election.kind.committee": "Committee election (more candidates than seats)",
  "election.kind.assembly": "Homeowners' assembly decision",
  "election.kind.approval": "Approval poll",
  "election.question": "Question",
  "election.candidates": "Candidates ({seats} seat(s); mark at most {seats})",
  "election.options": "Options",
  "election.rules": "Rules",
  "election.rule.referendum":
    "Valid if more than half of the {roll} registered voters vote. Passes if more than half of the ballots say yes; abstentions count as ballots.",
  "election.rule.committee":
    "Valid if more than half of the {roll} registered voters vote. A candidate is elected with more than half of the ballots, by rank, for {seats} seat(s); a tie for the last seat or an unfilled seat goes to a runoff.",
  "election.rule.assembly":
    "Valid if at least two thirds of the {owners} owners and of the {area} m² of exclusive area take part. Passes if the yes votes are {need}.",
  "election.rule.approval":
    "Valid if more than half of the {roll} registered voters vote. An option is adopted if more than half of the ballots approve it.",
  "election.need.major": "at least three quarters of the participating owners and area (a major matter)",
  "election.need.ordinary": "more than half of the participating owners and area (an ordinary matter)",
  "election.revote.last": "Re-voting: you may vote again; only your last ballot counts.",
  "election.revote.refuse": "Re-voting: not allowed; your first ballot counts.",
  "election.eligibility.signing": "Eligibility: signed credentials (the record shows which roll entries voted, never how).",
  "election.eligibility.anonymous":
    "Eligibility: anonymous credentials: nobody, not even the registrar, can link a ballot to a roll entry.",
  "election.window": "Voting window: {opens} to {closes}",
  "election.window.none": "Voting window: none fixed; voting runs from the administrator's opening to the closing.",
  "election.window.unbounded": "no limit",
  "election.phase": "Now: {phase}",
  "phase.created": "created, no key yet",
  "phase.keyed": "being prepared, not open yet",
  "phase.open": "open for voting",
  "phase.closed": "closed",
  "phase.published": "result published",
  "election.notice.area":
    "Note: votes are weighted by exclusive floor area; the area is public with each ballot (disclosed by the credential in anonymous mode), and a unique area can identify a flat.",
  "election.description": "Description",
  "election.not_open": "You cannot vote yet ({phase}). You can get your credential now.",
  "election.closed": "Voting has closed. You can still check the receipts saved on this phone.",
  "election.vote": "Vote",
  "election.get_credential": "Get my credential",
  "election.receipts": "Check my receipts",
  "election.backup": "Back up my credential",
  "election.private": "Your choice is encrypted on this device before it is sent; only the totals are ever decrypted.",
  "election.test_key": "Note: this election uses a {bits}-bit test key: for tests only, never for a real election.",
  "precompute.running": "Preparing the encryption {pct}%",
  "precompute.done": "Encryption ready",

  "option.yes": "Yes",
  "option.no": "No",
  "option.abstain": "Abstain",

  "cred.title": "Voting credential",
  "cred.intro":
    "This phone has no credential for this election yet. It is made on this phone and kept only here; the registrar sees only its public part.",
  "cred.intro.anonymous":
    "This is an anonymous credential: the registrar sees only a blinded request and can never recognise your ballot.",
  "cred.make": "Make my credential on this phone",
  "cred.restore": "Restore from a backup",
  "cred.code.title": "Show this code to the registrar",
  "cred.code.body":
    "The registrar checks who you are and your flat, then issues your credential. The code holds no secret. Keep this page open.",
  "cred.code.label": "Registration code",
  "cred.check.label": "Check code",
  "cred.check.body": "Once the registrar has fetched your request they read out a check code: it must be this one.",
  "cred.waiting": "Waiting for the registrar…",
  "cred.issued": "Your credential is issued and saved on this phone.",
  "cred.issued.entry": "Entry {index} of the log records the issuance.",
  "cred.backup.advice": "Back it up now: after changing phones or clearing the browser you can restore it from the backup.",
  "cred.failed": "The credential could not be finished: {reason}",

  "backup.title": "Back up my credential",
  "backup.intro":
    "The backup is encrypted with a PIN you choose; a forgotten PIN cannot be recovered. Keep the backup as private as your phone: someone who copies it could guess a short PIN. A longer passphrase is safer.",
  "backup.pin": "Choose a backup PIN (at least 6 characters)",
  "backup.pin2": "Type the PIN again",
  "backup.make": "Make the backup",
  "backup.pin.short": "The PIN needs at least 6 characters",
  "backup.pin.mismatch": "The two PINs differ",
  "backup.ready": "The backup is ready. Photograph the QR code with another device, or download or copy the text below, and keep it safe.",
  "backup.download": "Download the backup file",
  "backup.working": "Encrypting the backup…",

  "restore.title": "Restore a credential from a backup",
  "restore.text": "Paste the backup text, or choose the backup file",
  "restore.file": "Choose the backup file",
  "restore.pin": "Backup PIN",
  "restore.go": "Restore",
  "restore.bad": "Wrong PIN, or the backup is damaged",
  "restore.other": "This backup is for another election ({election})",
  "restore.done": "The credential is restored and saved on this phone.",
  "restore.working": "Decrypting the backup…",

  "ballot.title": "Ballot",
  "ballot.choose.one": "Choose one",
  "ballot.choose.upto": "Mark at most {seats}; marking nobody is a blank ballot",
  "ballot.choose.any": "Mark any number of options, or none",
  "ballot.count": "{n} of {seats} marked",
  "ballot.full": "{seats} marked, the most allowed: unmark one to choose another",
  "ballot.review": "Review my ballot",
  "ballot.pick": "Choose an option first",
  "ballot.area.title": "Area notice",

  "review.title": "Check your choice",
  "review.choice": "Your choice",
  "review.blank": "Blank ballot (nothing marked)",
  "review.revote": "You have already voted (entry {index} of the log). Casting this ballot REPLACES your earlier one: only the last counts.",
  "review.refuse": "You have already voted (entry {index} of the log) and this election refuses re-votes: your earlier ballot counts.",
  "review.encrypt": "Encrypt my ballot",
  "review.change": "Change",
  "review.encrypting": "Encrypting the ballot and making its proofs…",

  "sealed.title": "Your ballot is encrypted",
  "sealed.code": "Ballot code",
  "sealed.body":
    "Cast this ballot now, or audit it first: an audit reveals this ballot's encryption randomness so you can check that it encrypts your choice; the ballot is then spoiled and the phone encrypts a fresh one.",
  "sealed.cast": "Cast my ballot",
  "sealed.audit": "Audit this ballot",
  "sealed.change": "Change my choice",

  "audit.title": "Audit: the ballot is spoiled",
  "audit.ok": "Checked on this phone: this ballot encrypts “{choice}”.",
  "audit.spoiled": "This ballot is spoiled: it will never be cast.",
  "audit.howto": "Anyone can check it on a computer too: download the audit file and run linli verify-audit --election {election} --opening {file}",
  "audit.download": "Download the audit file",
  "audit.show": "Show the opening (the ballot and its encryption randomness)",
  "audit.fresh": "Encrypt a fresh ballot",
  "audit.checking": "Checking the audit…",

  "cast.title": "Casting your ballot",
  "cast.sending": "Sending the ballot…",
  "cast.retry": "The server cannot be reached; trying again in {seconds} s. The same ballot is resent: it cannot be counted twice.",
  "cast.checking": "Checking the receipt…",
  "cast.refused": "The server refused this ballot: {reason}",
  "cast.refused.FAILED_PRECONDITION": "Voting is not possible now: the election has not opened, has closed, or is outside its voting window.",
  "cast.refused.ALREADY_EXISTS": "This ballot conflicts with one already in the log (for example, this election refuses re-votes).",
  "cast.refused.PERMISSION_DENIED": "The server finds this credential not entitled to vote (not issued, or revoked).",
  "cast.refused.INVALID_ARGUMENT": "The server finds this ballot's format or proofs wrong.",

  "receipt.title": "Your ballot is cast",
  "receipt.code": "Receipt code",
  "receipt.saved": "The receipt is saved on this phone; you can check it here later.",
  "receipt.entry": "Entry {index} of the log (then {size} entries)",
  "receipt.replaces":
    "This ballot replaces your earlier ballot (entry {index}): only this one counts now; the earlier receipt will show it superseded.",
  "receipt.download": "Download the receipt",
  "receipt.cli": "Check it on a computer: linli voter check-receipt --receipt RECEIPT-FILE",

  "check.title": "Check my receipts",
  "check.none": "This phone has no receipt for this election.",
  "check.go": "Check against the latest log",
  "check.ok": "Receipt OK: entry {index} is in the log, which has grown consistently to {size} entries.",
  "check.counts": "This is the ballot that counts.",
  "check.pending":
    "Pending witnesses: the receipt itself is sound, but no checkpoint the witnesses cosigned covers it yet. Check again later; if it stays so, tell the election administrator and the observers.",
  "check.superseded": "superseded by entry {later}: a later ballot of the same credential counts instead of this one.",
  "check.failed": "The receipt check failed: {reason}",
  "check.cast_at": "Cast on {time}",
};

export const CATALOGUE: Record<Lang, Record<Key, string>> = { zh, en };

export type Params = Record<string, string | number>;

/** `{name}` placeholders filled from `params`; a missing parameter is an error, not an empty hole. */
export function format(template: string, params: Params = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!(name in params)) throw new Error(`missing parameter {${name}} in "${template}"`);
    return String(params[name]);
  });
}

const STORE_KEY = "linli.lang";
let current: Lang = "zh";

export function initLang(): Lang {
  try {
    const saved = localStorage.getItem(STORE_KEY);
    if (saved === "zh" || saved === "en") current = saved;
  } catch {
    // storage unavailable (private mode): Chinese, the default
  }
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
  return current;
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // not remembered: fine
  }
}

export function t(key: Key, params?: Params, in_: Lang = current): string {
  return format(CATALOGUE[in_][key], params);
}

/** A fixed option (yes / no / abstain) in the reader's language; a candidate's name as it is. */
export function optionWord(option: string, in_: Lang = current): string {
  return option === "yes" || option === "no" || option === "abstain" ? t(`option.${option}`, {}, in_) : option;
}
