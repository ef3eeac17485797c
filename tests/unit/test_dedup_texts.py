# ruff: noqa: E501  (verbatim seed text kept on one line per string)
"""Realistic Vietnamese test texts for the dedup tests (no tests here; imported by test_dedup_*.py,
test_state_*.py).

SEED_COPY_BODY is the body of seed 004 verbatim (tests/data/seeds/004_7827dd883e4d051c.txt):
danvan.vn's copy of a baolangson.vn story, with its caption, the "(baolangson.vn)" credit and the
"Gửi cho bạn bè" / "Các tin khác" leftovers. The baolangson.vn original could not be found in public
copies, so ORIGINAL_* is RECONSTRUCTED the way that paper publishes: a "LSO -" sapo in the summary,
a different photo caption, a byline, and the same long paragraphs.
TEMPLATE is a district board's monthly training notice, written in the style of the seeds; the
pairs built from it differ only in date, district and number of participants.
"""

SEED_COPY_BODY = '\xa0Các đại biểu tham dự hội nghị\xa0\n\n\xa0\n\nTại hội nghị, các đại biểu được truyền đạt 2 chuyên đề. Tại chuyên đề thứ nhất “Những điểm mới về công tác dân vận trong thực hiện Nghị quyết Đại hội đại biểu toàn quốc lần thứ XIII của Đảng”, các đại biểu đã được thông tin tổng kết công tác dân vận nhiệm kỳ Đại hội XII của Đảng và phương hướng, nhiệm vụ, giải pháp trọng tâm của công tác dân vận nhiệm kỳ Đại hội XIII.\n\nTrên cơ sở tổng kết, đánh giá toàn diện công tác dân vận nhiệm kỳ Đại hội XII, Nghị quyết Đại hội XIII của Đảng xác định 6 nội dung trọng tâm về xây dựng Đảng, trong đó có công tác dân vận. Để thực hiện những nhiệm vụ trọng tâm này, Đại hội XIII đã đề ra 10 nhóm nhiệm vụ, giải pháp về công tác xây dựng Đảng.\n\nTrong 10 nhóm nhiệm vụ, có một số nội dung nêu lên vị trí, vai trò của công tác dân vận trong quá trình thực hiện như: “thắt chặt hơn nữa mối quan hệ mật thiết giữa Đảng với Nhân dân, dựa vào Nhân dân để xây dựng Đảng”. Theo đó, các cấp phải xây dựng đội ngũ cán bộ thật sự trọng dân, gần dân, tin dân, hiểu dân, học dân và có trách nhiệm với dân; chú trọng công tác dân vận đối với đồng bào dân tộc thiểu số, đồng bào tôn giáo, người Việt Nam ở nước ngoài; chăm lo đào tạo, bồi dưỡng đội ngũ cán bộ chuyên trách công tác dân vận…\n\nTại chuyên đề thứ hai “Chủ trương, đường lối của Đảng, chính sách của Nhà nước về dân tộc; tình hình dân tộc và công tác dân tộc của Đảng, Nhà nước trong tình hình mới”, các đại biểu được thông tin tình hình dân tộc; đường lối, chủ trương và chính sách về dân tộc của Đảng và Nhà nước ta hiện nay; một số vấn đề cần quan tâm đến công tác dân vận trong vùng đồng bào dân tộc thiểu số; liên hệ thực tế về công tác dân vận đối với đồng bào dân tộc thiểu số của tỉnh Lạng Sơn.\n\nThông qua buổi tập huấn giúp các đại biểu nắm được những nội dung cơ bản về công tác dân vận trong nhiệm kỳ mới, từ đó, vận dụng có hiệu quả trong chỉ đạo triển khai, tham mưu, tổ chức thực hiện… trên các lĩnh vực theo chức năng, nhiệm vụ, góp phần quan trọng trong việc hoàn thành các nhiệm vụ chính trị của địa phương.\n\n(baolangson.vn)\n\n\nGửi cho bạn bè\n\nCác tin khác'

_LONG = [p.strip() for p in SEED_COPY_BODY.split("\n") if len(p.split()) >= 8]

ORIGINAL_TITLE = "Ban Dân vận Tỉnh ủy Lạng Sơn tập huấn công tác dân vận cho hơn 4.600 đại biểu"
ORIGINAL_SUMMARY = (
    "LSO - Sáng 7/2, Ban Dân vận Tỉnh ủy tổ chức hội nghị tập huấn công tác dân vận năm 2023 theo "
    "hình thức trực tiếp kết hợp trực tuyến tới 232 điểm cầu cấp huyện, cấp xã với hơn 4.600 đại biểu "
    "tham dự."
)
ORIGINAL_BODY = "\n\n".join(["Quang cảnh hội nghị tập huấn tại điểm cầu Ban Dân vận Tỉnh ủy", *_LONG, "THU HÀ"])

# The copy with the sapo pasted as its first paragraph (sites without a sapo field do this).
COPY_WITH_SAPO_BODY = ORIGINAL_SUMMARY + "\n\n" + SEED_COPY_BODY

# The copy after two small editorial changes.
EDITED_COPY_BODY = SEED_COPY_BODY.replace("Thông qua buổi tập huấn giúp", "Qua buổi tập huấn, giúp").replace(
    "hiện nay;", "hiện nay, "
)

TEMPLATE = """Ngày {date}, Ban Dân vận Huyện ủy {unit} tổ chức hội nghị tập huấn nghiệp vụ công tác dân vận năm 2023 cho {n} đại biểu là cán bộ làm công tác dân vận của các xã, thị trấn trên địa bàn huyện.

Tại hội nghị, các đại biểu được quán triệt những nội dung cơ bản của Nghị quyết Đại hội XIII của Đảng về công tác dân vận; hướng dẫn thực hiện Quy chế công tác dân vận của hệ thống chính trị; kỹ năng tuyên truyền, vận động Nhân dân trong vùng đồng bào dân tộc thiểu số; công tác nắm tình hình Nhân dân và giải quyết những vấn đề phát sinh ở cơ sở.

Hội nghị tập huấn nhằm nâng cao nhận thức, trách nhiệm và kỹ năng cho đội ngũ cán bộ làm công tác dân vận ở cơ sở, góp phần thực hiện thắng lợi các nhiệm vụ chính trị của địa phương trong năm 2023.

Dịp này, Ban Dân vận Huyện ủy {unit} cũng triển khai kế hoạch thực hiện phong trào thi đua “Dân vận khéo” năm 2023 đến các xã, thị trấn."""

CAO_LOC = TEMPLATE.format(date="12/4", unit="Cao Lộc", n=250)
VAN_LANG = TEMPLATE.format(date="19/4", unit="Văn Lãng", n=180)
CAO_LOC_NEXT_WEEK = TEMPLATE.format(date="19/4", unit="Cao Lộc", n=250)
VAN_LANG_SAME_DAY = TEMPLATE.format(date="12/4", unit="Văn Lãng", n=250)

# Seed 000's body (Đà Nẵng, another Dân vận training): same topic, a different story.
SEED_000_BODY = '\nThực hiện Kế hoạch số 68-KH/BDVTU\xa0của Ban Dân vận Thành ủy về tổ chức các lớp tập huấn công tác dân vận năm 2023, ngày 25-5, Ban Dân vận Thành ủy tổ chức Hội nghị tập huấn nghiệp vụ công tác dân vận cho lực lượng cốt cán ở cơ sở năm 2023. Tham dự có Phó trưởng ban thường trực Ban Dân vận Thành ủy Mai Thị Thu,\xa0lãnh đạo\xa0Ban Dân vận các quận uỷ, huyện ủy; Uỷ ban Mặt trận Tổ quốc Việt Nam, Phòng Nội vụ các quận, huyện.\n\nToàn cảnh hội nghị tập huấn\n\nTrong thời gian\xa0qua, Ban dân vận các cấp tích cực tham mưu thường trực cấp ủy triển khai, thực hiện có hiệu quả các văn bản chỉ đạo, hướng dẫn của Trung ương, Thành ủy về xây dựng, phát huy vai trò lực lượng cốt cán trong cộng đồng dân cư; trong tôn giáo; người có uy tín trong cộng đồng người Hoa, trong đồng bào dân tộc thiểu số.\n\nThông qua lực lượng cốt cán, cấp ủy, chính quyền các cấp\xa0tạo “cầu nối” trong công tác vận động nhân dân thực hiện tốt các nhiệm vụ chính trị của địa phương, đơn vị.\n\nĐồng thời, nắm\xa0tình hình, cung cấp thông tin, phát hiện những vấn đề nổi cộm trong nhân dân, các tổ chức tôn giáo, đồng bào dân tộc thiểu số,\xa0huy động nhân tố tích cực trong quần chúng...\xa0cùng với tổ chức đảng, chính quyền, Mặt trận và các đoàn thể chính trị xã hội tham gia vận động, tuyên truyền quần chúng nhân dân, nhất là đồng bào các tôn giáo, đồng bào dân tộc thiểu số thực hiện tốt các chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước.\xa0\n\nTại hội nghị, các đại biểu đã\xa0trao đổi các\xa0thông tin, trang bị những kỹ năng, kiến thức cần thiết để tiếp tục phát huy vai trò của lực lượng cốt cán tại địa phương. Trong đó, tập trung\xa0các chuyên đề:\xa0"Thông tin tình hình an ninh trật tự\xa0năm 2023 và kỹ năng nắm, giải quyết tình hình an ninh trật tự\xa0tại địa bàn cơ sở" và "Hướng dẫn công tác phát hiện, nội dung xử lý cá nhân, tổ chức hoạt động tôn giáo, tín ngưỡng trái pháp luật trên địa bàn thành phố". Các\xa0chuyên đề do Báo cáo viên của Công an thành phố báo cáo.\n\nKIM PHƯỢNG\n\nĐÁNH GIÁ BÀI VIẾT\n\nCác tin khác'
