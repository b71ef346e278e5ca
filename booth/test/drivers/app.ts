// tests/booth/test_booth_catalogue.py: the booth's catalogue and the text it strips from an assembly's description.
import { CATALOGUE } from "../../src/app/i18n.ts";
import { AREA_DISCLOSURE_NOTICE } from "../../src/app/screens/open.ts";
import { serve } from "./io.ts";

serve(() => ({ catalogue: CATALOGUE, area_notice: AREA_DISCLOSURE_NOTICE }));
