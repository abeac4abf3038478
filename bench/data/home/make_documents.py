"""Writes the PDF and DOCX documents of the household benchmark into documents/.

The three PDFs (a boiler guide, a washing-machine manual, a home-insurance policy summary) are
laid out with reportlab, their tables with grid lines; the three DOCX files (a school
newsletter, a tenancy agreement extract, a dishwasher quick guide) with python-docx, their
tables as Word tables. The text is written for this project. The output is the same on every
run: reportlab's invariant mode (no creation date or random document id), fixed core properties
in the DOCX files and fixed dates on their zip entries.

Usage: .venv/bin/python bench/data/home/make_documents.py
"""

from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parent / "documents"
FIXED = datetime.datetime(2025, 1, 1, 12, 0, 0)

# --- PDF ----------------------------------------------------------------------------------


def _pdf(path: Path, title: str, author: str, story_of) -> None:
    from reportlab import rl_config
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    rl_config.invariant = 1
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        title=title,
        author=author,
        invariant=1,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(story_of())
    path.write_bytes(buf.getvalue())


def _styles():
    from reportlab.lib.styles import getSampleStyleSheet

    return getSampleStyleSheet()


def _grid(rows: list[list[str]], widths_mm: list[float], header: bool = True):
    """A table with grid lines and (`header`) a bold, shaded first row; cells wrap."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, Table, TableStyle

    styles = _styles()
    body = styles["BodyText"]
    head = styles["Heading5"]
    cells = [
        [Paragraph(c, head if header and i == 0 else body) for c in row]
        for i, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=[w * mm for w in widths_mm], repeatRows=int(header))
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey))
    table.setStyle(TableStyle(style))
    return table


def _paragraphs(*texts: str, style: str = "BodyText") -> list:
    from reportlab.platypus import Paragraph

    s = _styles()[style]
    return [Paragraph(t, s) for t in texts]


def boiler_story() -> list:
    from reportlab.platypus import Spacer

    p = _paragraphs
    return [
        *p("Hearthwell Comfort 28c Combination Boiler", style="Title"),
        *p("User guide. Please keep this guide next to the boiler.", style="Italic"),
        *p("1 About your boiler", style="Heading2"),
        *p(
            "The Comfort 28c is a wall-hung gas combination boiler. It heats your radiators and "
            "gives hot water straight from the mains whenever a tap is opened, so there is no "
            "hot-water cylinder and no cold-water tank in the loft.",
            "The display on the front shows the radiator temperature while the heating runs, "
            "and a fault code when something needs your attention.",
        ),
        *p("2 Water pressure", style="Heading2"),
        *p(
            "The pressure gauge under the display should read between 1.0 and 1.5 bar when the "
            "heating is cold. If the pressure falls below 0.5 bar, the boiler stops and shows "
            "F22.",
            "To top up the pressure, open the filling loop under the boiler slowly until the "
            "gauge reads 1.2 bar, then close both valves fully. If you have to top up more than "
            "twice a month, there may be a leak: call an engineer.",
        ),
        *p("3 Fault codes", style="Heading2"),
        *p("If the display shows one of these codes, do what the table says."),
        Spacer(1, 4),
        _grid(
            [
                ["Code", "Meaning", "What to do"],
                ["F22", "Low water pressure", "Top up to 1.2 bar with the filling loop."],
                [
                    "F28",
                    "Ignition failure: the burner did not light",
                    "Check that the gas is on at the meter, then press reset once.",
                ],
                [
                    "F29",
                    "Flame lost while running",
                    "Press reset. If it happens again the same day, call an engineer.",
                ],
                [
                    "F33",
                    "Air pressure switch fault",
                    "Check that the flue outside is not blocked, then press reset.",
                ],
                [
                    "F61",
                    "Control board fault",
                    "Do not reset. Call a Gas Safe registered engineer.",
                ],
                [
                    "F75",
                    "Pressure sensor fault",
                    "Call a Gas Safe registered engineer.",
                ],
            ],
            [18, 62, 90],
        ),
        *p("4 Frost protection and summer use", style="Heading2"),
        *p(
            "Leave the boiler switched on at the wall in winter, even when you are away. Frost "
            "protection starts the pump and the burner when the water in the boiler falls below "
            "5°C.",
            "In summer you can turn the heating dial to the off position and keep hot water. "
            "The pump runs for a few seconds once a day so that it does not seize.",
        ),
        *p("5 Specifications", style="Heading2"),
        Spacer(1, 4),
        _grid(
            [
                ["Item", "Value"],
                ["Heating output", "24 kW"],
                ["Hot water output", "28 kW"],
                ["Hot water flow rate (35°C rise)", "11.5 litres per minute"],
                ["Gas", "Natural gas (G20)"],
                ["Maximum flow temperature", "80°C"],
                ["Weight (empty)", "32 kg"],
                ["Height x width x depth", "710 x 400 x 300 mm"],
            ],
            [80, 90],
        ),
        *p("6 Servicing and warranty", style="Heading2"),
        *p(
            "Have the boiler serviced every 12 months by a Gas Safe registered engineer, who "
            "will fill in the service record at the back of this guide.",
            "Your boiler has a 7-year warranty from the date it was installed, as long as it is "
            "registered with Hearthwell within 30 days of installation and serviced every year.",
            "Hearthwell customer support: 0808 157 0460, Monday to Saturday, 8am to 6pm.",
        ),
    ]


def washer_story() -> list:
    from reportlab.platypus import Spacer

    p = _paragraphs
    return [
        *p("Aqualine WM814 Washing Machine", style="Title"),
        *p("Instructions for use", style="Italic"),
        *p("1 Before the first wash", style="Heading2"),
        *p(
            "Remove the four transit bolts from the back of the machine and keep them in case "
            "you move house. Fit the plastic caps supplied into the holes.",
            "Run a Cotton programme at 60°C with no laundry and a little detergent to clean out "
            "any water left from factory testing.",
        ),
        *p("2 Programmes", style="Heading2"),
        Spacer(1, 4),
        _grid(
            [
                ["Programme", "Temperature", "Maximum load", "Duration"],
                ["Cotton", "40°C", "8 kg", "3 h 15 min"],
                ["Eco 40-60", "40 to 60°C", "8 kg", "3 h 38 min"],
                ["Synthetics", "40°C", "4 kg", "1 h 50 min"],
                ["Wool / Hand wash", "30°C", "2 kg", "55 min"],
                ["Quick 15", "20°C", "2 kg", "15 min"],
                ["Rinse and Spin", "cold", "8 kg", "20 min"],
            ],
            [45, 40, 40, 45],
        ),
        *p(
            "Child lock: press and hold the Temp and Spin buttons together for 3 seconds to "
            "lock or unlock the controls."
        ),
        *p("3 Error codes", style="Heading2"),
        Spacer(1, 4),
        _grid(
            [
                ["Code", "Meaning", "What to do"],
                [
                    "E01",
                    "Door not locked",
                    "Close the door firmly until it clicks, then start again.",
                ],
                [
                    "E02",
                    "Water not filling",
                    "Check that the tap is turned on and the inlet hose is not kinked.",
                ],
                [
                    "E03",
                    "Water not draining",
                    "Clean the drain pump filter behind the flap at the bottom right.",
                ],
                [
                    "E04",
                    "Too much foam",
                    "Use less detergent. The machine rinses the foam away by itself.",
                ],
                [
                    "E05",
                    "Water heating fault",
                    "Switch off at the wall for 10 minutes, then start again.",
                ],
                [
                    "E06",
                    "Motor fault",
                    "Call Aqualine service.",
                ],
            ],
            [18, 50, 102],
        ),
        *p("4 Cleaning and care", style="Heading2"),
        *p(
            "Clean the drain pump filter every 3 months: put a shallow tray under the flap, "
            "unscrew the filter slowly anticlockwise and let the water run out.",
            "Once a month, run an empty maintenance wash at 90°C with a cup of white vinegar to "
            "keep the drum and hoses fresh. Leave the door open after each wash.",
        ),
        *p("5 Technical data", style="Heading2"),
        Spacer(1, 4),
        _grid(
            [
                ["Item", "Value"],
                ["Capacity", "8 kg"],
                ["Maximum spin speed", "1400 rpm"],
                ["Energy class", "A"],
                ["Noise when spinning", "74 dB"],
                ["Water per Eco 40-60 wash", "49 litres"],
                ["Height x width x depth", "850 x 600 x 550 mm"],
                ["Weight", "68 kg"],
            ],
            [80, 90],
        ),
        *p("6 Guarantee and service", style="Heading2"),
        *p(
            "Your washing machine is guaranteed for 2 years, parts and labour, from the date of "
            "purchase. Keep your receipt.",
            "Aqualine service: 0808 157 0642, Monday to Friday 8am to 8pm, Saturday 9am to 5pm.",
        ),
    ]


def insurance_story() -> list:
    from reportlab.platypus import Spacer

    p = _paragraphs
    return [
        *p("Oakshield Home Insurance: Policy Summary", style="Title"),
        *p(
            "This summary gives the main features of your policy. The full terms are in your "
            "policy booklet.",
        ),
        _grid(
            [
                ["Policy number", "OHI-4471-2209"],
                ["Policyholders", "Mr Daniel Okafor and Mrs Grace Okafor"],
                ["Home insured", "7 Linden Close, Brackenford BF3 2RW"],
                ["Period of cover", "1 April 2025 to 31 March 2026"],
                ["Annual premium", "£312.48, or 12 monthly payments of £27.34"],
            ],
            [55, 115],
            header=False,
        ),
        *p("1 What is covered", style="Heading2"),
        Spacer(1, 4),
        _grid(
            [
                ["Cover", "Limit", "Excess"],
                ["Buildings", "£450,000", "£250"],
                ["Contents", "£60,000", "£250"],
                ["Escape of water", "Within the buildings and contents limits", "£500"],
                ["Subsidence", "Within the buildings limit", "£1,000"],
                ["Accidental damage to contents", "£60,000", "£100"],
                ["Personal possessions away from home", "£3,000", "£100"],
                ["Bicycles", "£750 per bicycle", "£50"],
                ["Legal expenses", "£100,000", "None"],
            ],
            [70, 65, 35],
        ),
        *p(
            "The most we will pay for any one item of jewellery, art or collection within "
            "contents is £2,000 unless it is named on your schedule.",
        ),
        *p("2 Other benefits", style="Heading2"),
        *p(
            "Alternative accommodation: if your home cannot be lived in after an insured event, "
            "we pay for somewhere similar for up to 12 months, to a limit of £45,000.",
            "Replacement locks and keys: up to £1,500 if your keys are lost or stolen.",
            "Food in your freezer: up to £500 if it spoils because the freezer breaks down or "
            "the power fails.",
            "Garden plants and shrubs: up to £1,000 for theft or malicious damage.",
        ),
        *p("3 What is not covered", style="Heading2"),
        *p(
            "Wear and tear, damp, rot and damage caused by pests. Loss or damage while your home "
            "is unoccupied for more than 60 days in a row, other than by fire. Home emergency "
            "cover is not included in this policy.",
        ),
        *p("4 Making a claim", style="Heading2"),
        *p(
            "Call our claims line on 0808 157 0318, open 24 hours a day, 365 days a year. Please "
            "tell us about a claim within 30 days of the damage, and report any theft to the "
            "police within 48 hours.",
        ),
        *p("5 Cancelling", style="Heading2"),
        *p(
            "You may cancel within 14 days of buying the policy or of its renewal date and get a "
            "full refund if you have not made a claim. After that, we refund the premium for "
            "the unused days, less a £25 administration fee.",
        ),
    ]


# --- DOCX ---------------------------------------------------------------------------------


def _docx(path: Path, title: str, build) -> None:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.title = title
    props.author = "Household benchmark"
    props.last_modified_by = "Household benchmark"
    props.created = FIXED
    props.modified = FIXED
    props.last_printed = FIXED
    props.revision = 1
    build(document)
    buf = io.BytesIO()
    document.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with every entry dated FIXED (python-docx stamps them with the time now)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))
    table.style = "Table Grid"
    for i, row in enumerate(rows):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
            if i == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def newsletter(document) -> None:
    d = document
    d.add_heading("Brackenford Primary School", level=0)
    d.add_paragraph("Spring Term Newsletter, issue 3, March 2025")
    d.add_heading("From the head teacher", level=1)
    d.add_paragraph(
        "Dear families, what a busy half term it has been. Thank you to everyone who came to our "
        "Year 5 assembly on the Romans, and to the many parents who helped at the winter fair, "
        "which raised £1,486 for new playground equipment."
    )
    d.add_paragraph(
        "Whole-school attendance this half term is 95.8%. Class 4B had the highest attendance at "
        "98.1% and will choose the film for the end-of-term treat."
    )
    d.add_paragraph("With best wishes, Mrs Helen Whitcombe, Head Teacher")
    d.add_heading("Dates for your diary", level=1)
    _table(
        d,
        [
            ["Date", "Event", "Time"],
            ["Monday 10 March", "Year 6 swimming lessons start (6 weeks)", "1:30pm"],
            ["Thursday 13 March", "World Book Day: come dressed as a book character", "All day"],
            ["Friday 21 March", "Red Nose Day: non-uniform, £1 donation", "All day"],
            ["Wednesday 26 March", "Parents' evening", "3:30pm to 7pm"],
            ["Friday 28 March", "PTA Easter Bingo in the hall", "6pm"],
            ["Thursday 3 April", "Year 2 trip to Hollow Farm", "9am to 2:30pm"],
            ["Friday 4 April", "Last day of term: school closes early", "1:30pm"],
            ["Tuesday 22 April", "Summer term starts", "8:45am"],
        ],
    )
    d.add_heading("Year 2 farm trip", level=1)
    d.add_paragraph(
        "Year 2 will visit Hollow Farm on Thursday 3 April. The trip costs £8.50 per child, "
        "payable on the school app by Monday 24 March. Children need a packed lunch, wellies and "
        "a waterproof coat. Mrs Anjali Patel, Year 2 class teacher, is looking for four parent "
        "helpers: please let the office know if you can come."
    )
    d.add_heading("Breakfast and after-school club", level=1)
    d.add_paragraph(
        "Breakfast club opens at 7:45am and costs £3.50 a session. After-school club runs until "
        "5:45pm and costs £9.00 a session. Book sessions at least 48 hours ahead on the school "
        "app."
    )
    d.add_heading("Who to contact", level=1)
    d.add_paragraph("Head Teacher: Mrs Helen Whitcombe", style="List Bullet")
    d.add_paragraph("Deputy Head Teacher: Mr Tom Reyes", style="List Bullet")
    d.add_paragraph("Special educational needs (SENCo): Ms Rachel Byrne", style="List Bullet")
    d.add_paragraph("Year 6 class teacher: Mr Owen Hughes", style="List Bullet")
    d.add_paragraph("School office manager: Mrs Carol Dunn", style="List Bullet")
    d.add_paragraph("Chair of the PTA: Mr Sam Okoro", style="List Bullet")
    d.add_paragraph(
        "The school office is open from 8:15am to 4pm and can be reached on 01632 960118."
    )
    d.add_heading("Lost property", level=1)
    d.add_paragraph(
        "Lost property is kept in the blue box outside the hall. Anything not collected by the "
        "last day of term will go to the PTA's second-hand uniform sale. Please label every "
        "item of uniform with your child's name."
    )


def tenancy(document) -> None:
    d = document
    d.add_heading("Assured Shorthold Tenancy Agreement", level=0)
    d.add_paragraph("Extract: the parties, the main terms and the obligations of both sides.")
    d.add_heading("1 The parties and the property", level=1)
    _table(
        d,
        [
            ["Term", "Detail"],
            ["Landlord", "Mrs Margaret Ellison, 2 Orchard Rise, Kelby KB4 1TN"],
            ["Tenants", "Mr Jamie Cole and Ms Priya Nair"],
            ["Property", "Flat 2, 14 Weaver Street, Brackenford BF3 7QT"],
            ["Start date", "1 September 2024"],
            ["Fixed term", "12 months"],
            ["Rent", "£925 per calendar month"],
            ["Rent due", "On the 1st of each month, by standing order"],
            ["Deposit", "£1,067, protected with the Tenancy Deposit Scheme"],
            ["Deposit reference", "TDS 2209 5561"],
            ["Parking", "One allocated space, number 6"],
        ],
    )
    d.add_heading("2 Rent and deposit", level=1)
    d.add_paragraph(
        "2.1 If any rent is more than 14 days late, the tenant must pay interest on it at 3% a "
        "year above the Bank of England base rate from the date it was due.",
    )
    d.add_paragraph(
        "2.2 The deposit will be returned within 10 days of the tenant and landlord agreeing how "
        "much of it is to be paid back.",
    )
    d.add_heading("3 The tenant's obligations", level=1)
    for text in (
        "3.1 Not to keep any pet at the property without the landlord's written consent, which "
        "will not be unreasonably withheld.",
        "3.2 Not to smoke or vape inside the property.",
        "3.3 To replace light bulbs and the batteries of the smoke alarms when needed, and to "
        "test the smoke alarms once a month.",
        "3.4 To keep the property adequately heated and ventilated to prevent damp and frozen "
        "pipes.",
        "3.5 To tell the landlord promptly about any repair that is needed.",
    ):
        d.add_paragraph(text)
    d.add_heading("4 The landlord's obligations", level=1)
    for text in (
        "4.1 To give the tenant at least 24 hours' written notice before visiting the property, "
        "except in an emergency.",
        "4.2 To have the gas appliances checked every year by a Gas Safe registered engineer and "
        "give the tenant a copy of the certificate within 28 days of the check.",
        "4.3 To keep the structure, the exterior, the heating and the hot water in repair.",
    ):
        d.add_paragraph(text)
    d.add_heading("5 Ending the tenancy", level=1)
    d.add_paragraph(
        "5.1 After the fixed term the tenancy continues from month to month. The tenant may end "
        "it by giving at least one month's written notice, ending on the last day of a rental "
        "period.",
    )
    d.add_paragraph(
        "5.2 On leaving, the tenant must return all 3 sets of keys and leave the property clean.",
    )


def dishwasher(document) -> None:
    d = document
    d.add_heading("Brightwash DW45 Slimline Dishwasher: Quick Guide", level=0)
    d.add_paragraph(
        "This quick guide covers everyday use. Keep it with your dishwasher; the full manual is "
        "on the enclosed leaflet."
    )
    d.add_heading("Programmes", level=1)
    _table(
        d,
        [
            ["Programme", "Temperature", "Duration", "Use for"],
            ["Eco", "50°C", "3 h 45 min", "Normally soiled everyday dishes"],
            ["Auto", "45 to 65°C", "1 h 40 min to 2 h 30 min", "Mixed loads"],
            ["Intensive", "70°C", "2 h 10 min", "Pans and dried-on food"],
            ["Quick", "45°C", "29 min", "Lightly soiled dishes, rinsed first"],
        ],
    )
    d.add_heading("Error codes", level=1)
    _table(
        d,
        [
            ["Code", "Meaning", "What to do"],
            ["i20", "Water not draining", "Clean the filters and check the drain hose for kinks."],
            ["i30", "Water in the base tray", "Switch off, unplug and call Brightwash service."],
            ["i40", "Water not filling", "Check that the tap is open and the hose is not kinked."],
            ["i60", "Heating fault", "Switch off for 5 minutes, then restart the programme."],
            ["i90", "Electronics fault", "Call Brightwash service."],
        ],
    )
    d.add_heading("Salt and rinse aid", level=1)
    d.add_paragraph(
        "Fill the salt container with dishwasher salt when the salt light comes on; it holds "
        "about 1 kg. The water hardness is set to H4 at the factory. Top up the rinse aid when "
        "its light comes on."
    )
    d.add_paragraph(
        "Use one tablet or 20 g of detergent powder per wash. Clean the filters once a week under "
        "running water."
    )
    d.add_heading("Technical data", level=1)
    _table(
        d,
        [
            ["Item", "Value"],
            ["Place settings", "10"],
            ["Width", "45 cm"],
            ["Noise", "44 dB"],
            ["Water per Eco wash", "9.5 litres"],
        ],
    )
    d.add_paragraph("Brightwash service: 0808 157 0581, every day 8am to 8pm.")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    _pdf(
        OUT / "boiler-user-guide.pdf",
        "Hearthwell Comfort 28c Combination Boiler: User Guide",
        "Hearthwell",
        boiler_story,
    )
    _pdf(
        OUT / "washing-machine-manual.pdf",
        "Aqualine WM814 Washing Machine: Instructions for Use",
        "Aqualine",
        washer_story,
    )
    _pdf(
        OUT / "home-insurance-summary.pdf",
        "Oakshield Home Insurance: Policy Summary",
        "Oakshield Insurance",
        insurance_story,
    )
    _docx(OUT / "school-newsletter.docx", "Brackenford Primary School newsletter", newsletter)
    _docx(OUT / "tenancy-agreement.docx", "Assured Shorthold Tenancy Agreement", tenancy)
    _docx(OUT / "dishwasher-quick-guide.docx", "Brightwash DW45 quick guide", dishwasher)
    for path in sorted(OUT.glob("*.pdf")) + sorted(OUT.glob("*.docx")):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
